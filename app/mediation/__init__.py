"""Mediation: the directory of organisations and mediators, recommendation and assignment, work queues, the mediation
clock, the outcome and agreement, judicial confirmation and the transfer to litigation.

Other packages import only what `__all__` names: the modules listed (`from app.mediation import <module>`) and the
names re-exported below.
"""

from app.mediation.agreement import signer_parties
from app.mediation.models import MediatorProfile

__all__ = [
    "MediatorProfile",
    "agreement",
    "assignment",
    "case_facts",
    "confirmation",
    "confirmation_court",
    "confirmation_queue",
    "deadlines",
    "delegation",
    "delegation_filing",
    "delegation_queries",
    "delegation_recall",
    "directory",
    "outcome",
    "period_end",
    "queues",
    "signer_parties",
    "transfer",
]
