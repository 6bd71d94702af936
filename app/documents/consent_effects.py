"""What every e-service consent act does besides its rows: the timeline event, the audit record, held documents sent."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from app.audit import log as audit
from app.cases import Case, CaseParty, timeline
from app.documents import delivery
from app.documents.models import ServedDocument
from app.extensions import db
from app.i18n import message
from app.security.permissions import Principal


def announce(case: Case, party: CaseParty, what: str, *, actor: Principal | None, role: str, data: dict) -> None:
    """One timeline event and one audit record per act (no addresses: they are personal data)."""
    name = party.name
    words = {  # what x by whom: the timeline's words (the catalogue), facts as placeholders
        ("given", "agent"): message("%(name)s consented to electronic service (by their agent)", name=name),
        ("given", "clerk"): message("%(name)s consented to electronic service (recorded by the court)", name=name),
        ("given", ""): message("%(name)s consented to electronic service", name=name),
        ("address_changed", "agent"): message(
            "%(name)s confirmed a new address for electronic service (by their agent)", name=name
        ),
        ("address_changed", "clerk"): message(
            "%(name)s confirmed a new address for electronic service (recorded by the court)", name=name
        ),
        ("address_changed", ""): message("%(name)s confirmed a new address for electronic service", name=name),
        ("address_verified", "agent"): message(
            "%(name)s entered the code sent to the e-mail address for electronic service (by their agent)", name=name
        ),
        ("address_verified", "clerk"): message(
            "%(name)s entered the code sent to the e-mail address for electronic service (recorded by the court)",
            name=name,
        ),
        ("address_verified", ""): message(
            "%(name)s entered the code sent to the e-mail address for electronic service", name=name
        ),
        ("withdrawn", "agent"): message("%(name)s withdrew consent to electronic service (by their agent)", name=name),
        ("withdrawn", "clerk"): message(
            "%(name)s withdrew consent to electronic service (recorded by the court)", name=name
        ),
        ("withdrawn", ""): message("%(name)s withdrew consent to electronic service", name=name),
    }
    by = role if role in ("agent", "clerk") else ""
    timeline.record(
        case,
        f"consent.e_service_{what}",
        actor=actor,
        actor_role=role,
        summary=words[(what, by)],
        data={"party_id": str(party.id), **data},
    )
    audit.record(
        f"service_consent.{what}",
        actor=actor,
        object_type="case_party",
        object_id=party.id,
        details={"case_id": str(case.id), "actor_role": role, **data},
    )


def deliver_waiting(party: CaseParty) -> int:
    """Deliver every document held for this party that can now be delivered (the caller commits)."""
    ids = db.session.scalars(
        select(ServedDocument.id).where(ServedDocument.recipient_party_id == party.id, ServedDocument.status == "held")
    ).all()
    delivered = 0
    for document_id in ids:
        document = delivery.lock(document_id)
        if document is not None and delivery.retry_held(document):
            delivered += 1
    return delivered


def held_count(party_id: uuid.UUID) -> int:
    """Documents waiting for this party (held, not yet served another way)."""
    query = select(func.count()).where(ServedDocument.recipient_party_id == party_id, ServedDocument.status == "held")
    return db.session.scalar(query) or 0
