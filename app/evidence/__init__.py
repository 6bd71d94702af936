"""Evidence: uploads straight to the blob store, verification of what arrived, the catalogue and its exchange,
cross-examination opinions, custody, the evidence period (举证期限) with its extensions and late evidence,
carrying evidence into litigation, and the clean-up sweep.

Other packages import only what `__all__` names: the modules listed (`from app.evidence import <module>`) and the
names re-exported below.
"""

from app.evidence.models import EvidenceItem
from app.evidence.period_models import EvidencePeriod, EvidencePeriodExtension

__all__ = [
    "EvidenceItem",
    "EvidencePeriod",
    "EvidencePeriodExtension",
    "carry",
    "catalogue",
    "complete",
    "opinions",
    "period",
    "period_appeal",
    "period_rules",
    "sweep",
    "uploads",
]
