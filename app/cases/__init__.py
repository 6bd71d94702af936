"""Cases: filing, parties and their consents, court review and case numbers, corrections, withdrawal, the state
machines, the timeline, the case detail and the audited disclosure of a party's personal data.

Other packages import only what `__all__` names: the modules listed (`from app.cases import <module>`) and the
names re-exported below.
"""

from app.cases.models import PARTY_ROLES, Case, CaseAgent, CaseConsent, CaseParty

__all__ = [
    "PARTY_ROLES",
    "Case",
    "CaseAgent",
    "CaseConsent",
    "CaseParty",
    "access",
    "corrections",
    "detail_sections",
    "disclosure",
    "end_hooks",
    "filing",
    "lifecycle",
    "numbers",
    "queries",
    "review",
    "timeline",
    "withdrawal",
]
