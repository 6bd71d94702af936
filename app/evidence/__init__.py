"""Evidence: uploads straight to the blob store, verification of what arrived, the catalogue and its exchange,
cross-examination opinions, custody, carrying evidence into litigation, and the clean-up sweep.

Other packages import only what `__all__` names: the modules listed (`from app.evidence import <module>`) and the
names re-exported below.
"""

from app.evidence.models import EvidenceItem

__all__ = [
    "EvidenceItem",
    "carry",
    "catalogue",
    "complete",
    "opinions",
    "sweep",
    "uploads",
]
