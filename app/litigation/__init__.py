"""Litigation after acceptance: the court's steps (trial, the decision and closing 结案 with its method), the decision
served and adjudicated, each party's appeal (上诉) within the period the deadline engine computes, legal effect
(生效) when nobody appealed, and enforcement applications (申请执行) within the two-year limitation.

Stands above cases, documents, evidence, legal, webhooks and notifications: documents tell it a document was
served through `app.documents.served_hooks` (connected in app/wiring.py). docs/litigation.md describes it.

Other packages import only what `__all__` names: the modules listed (`from app.litigation import <module>`) and the
names re-exported below.
"""

from app.litigation.models import Appeal, EnforcementApplication, LitigationDecision

__all__ = [
    "Appeal",
    "EnforcementApplication",
    "LitigationDecision",
    "appeals",
    "court_actions",
    "effect",
    "enforcement",
    "evidence_period",  # the evidence period (举证期限): app/litigation/evidence_period*.py, its own helper's
    "queries",
    "rules",
    "served",
]
