"""Served documents (electronic service, 电子送达): court push (single, batch, by upload), delivery into inboxes or held
for a clerk, the hash-chained event log, recipients' open/download/acknowledge, legal effect and deadlines,
escalation, work items and the service certificate.

Other packages import only what `__all__` names: the modules listed (`from app.documents import <module>`) and the
names re-exported below.
"""

from app.documents.models import EVENT_TYPES, DeliveryEvent, ServedDocument

__all__ = [
    "EVENT_TYPES",
    "DeliveryEvent",
    "ServedDocument",
    "batch",
    "certificate",
    "chain_audit",
    "consent",
    "consent_claim",
    "consent_court",
    "consent_standing",
    "court_view",
    "escalation",
    "other_service",
    "push",
    "queries",
    "recipient",
    "rules",
    "served_hooks",
    "uploads",
    "work_items",
]
