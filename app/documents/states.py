"""The state machine of a served document: which action is legal in which state, and the one event it writes.

A legal action appends exactly one evidence event and moves the status; an illegal one is a 409 that
names the current state and writes nothing. Legal effect (deemed service) is decided here too:
at delivery when the recipient confirmed the address themselves, otherwise at the first content access.
"""

from __future__ import annotations

from app.documents import chain as delivery_chain
from app.documents.chain import Actor, Appended
from app.documents.models import ServedDocument
from app.errors import Conflict
from app.utils import clock

# action -> {current status: next status}; the event written is EVENT_OF[action].
TRANSITIONS: dict[str, dict[str, str]] = {
    "deliver": {"accepted": "delivered", "held": "delivered"},
    "open": {"delivered": "opened", "opened": "opened", "acknowledged": "acknowledged", "expired": "opened"},
    "download": {"delivered": "opened", "opened": "opened", "acknowledged": "acknowledged", "expired": "opened"},
    "acknowledge": {"delivered": "acknowledged", "opened": "acknowledged", "expired": "acknowledged"},
    "expire": {"delivered": "expired"},
    "fail": {"accepted": "failed", "held": "failed"},
}
EVENT_OF = {
    "deliver": "delivered",
    "open": "opened",
    "download": "downloaded",
    "acknowledge": "acknowledged",
    "expire": "expired",
    "fail": "failed",
}
RECIPIENT_ACTIONS = ("open", "download", "acknowledge")
CONTENT_ACCESS = ("open", "download", "acknowledge")
STATES = ("accepted", "rejected", "held", "delivered", "opened", "acknowledged", "expired", "failed")


def allowed(action: str, status: str) -> bool:
    """Whether `action` is legal for a document in `status`."""
    return status in TRANSITIONS[action]


def illegal(document: ServedDocument, action: str) -> Conflict:
    """The 409 for an action the current state does not allow."""
    if action in RECIPIENT_ACTIONS and document.status in ("accepted", "held", "failed", "rejected"):
        reason = "document.not_delivered"
        message = f"The document has not been delivered electronically (status '{document.status}')."
    elif action == "acknowledge" and document.status == "acknowledged":
        reason, message = "document.already_acknowledged", "The document has already been acknowledged."
    else:
        reason = "document.illegal_transition"
        message = f"A document in state '{document.status}' cannot be '{EVENT_OF[action]}'."
    return Conflict(message, reason=reason, errors={"status": [document.status]})


def apply(document: ServedDocument, action: str, *, actor: Actor, data: dict | None = None) -> Appended:
    """Check and perform one action on a locked document; write its one event (the caller commits)."""
    if not allowed(action, document.status):
        raise illegal(document, action)
    now = clock.now()
    document.status = TRANSITIONS[action][document.status]
    if action == "deliver":
        document.delivered_at = now
        if document.confirmed_by_recipient:
            document.served_at, document.served_basis = now, "delivered"
    elif action in CONTENT_ACCESS:
        if document.first_opened_at is None and action != "acknowledge":
            document.first_opened_at = now
        if action == "acknowledge":
            document.acknowledged_at = now
        if document.served_at is None:
            document.served_at, document.served_basis = now, EVENT_OF[action]
    elif action == "expire":
        document.expired_at = now
    elif action == "fail":
        document.failed_at = now
    return delivery_chain.append(document, EVENT_OF[action], actor=actor, data=data)
