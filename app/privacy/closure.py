"""Account closure (注销, PIPL Art. 47): refused while the person has live cases; otherwise what the law does not
make a court keep is de-identified, every token is revoked, and the act is recorded in the audit log.

Kept, because courts must keep them: case parties' records as filed, served documents and their delivery
evidence, notifications and SMS sent (delivery records), evidence, and the audit log.
"""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select

from app.audit import log as audit
from app.casefile import builds
from app.cases import Case, CaseAgent, CaseParty, lifecycle
from app.errors import Conflict, NotFound
from app.extensions import db
from app.identity import closure as identity_closure
from app.security import permissions
from app.security.permissions import Principal

KEPT = (
    "case_party_records",
    "served_documents",
    "delivery_evidence",
    "evidence",
    "notifications_and_sms_sent",
    "audit_log",
)


def live_cases(user_id: uuid.UUID) -> list[Case]:
    """Cases not yet ended where the person is a party, an active agent or the mediator."""
    as_party = select(CaseParty.case_id).where(CaseParty.user_id == user_id)
    as_agent = select(CaseAgent.case_id).where(CaseAgent.lawyer_user_id == user_id, CaseAgent.status == "active")
    query = select(Case).where(or_(Case.id.in_(as_party), Case.id.in_(as_agent), Case.mediator_user_id == user_id))
    return [
        case
        for case in db.session.scalars(query.order_by(Case.submitted_at))
        if case.status not in lifecycle.TERMINAL[case.kind]
    ]


def close_account(*, actor: Principal) -> dict:
    """Close the caller's account (409 naming the live cases, or the staff roles, that prevent it)."""
    if not permissions.is_user(actor) or actor.user_id is None:
        raise NotFound("Not found.", reason="resource.not_found")
    user_id = actor.user_id
    cases = live_cases(user_id)
    if cases:
        labels = [f"{case.case_number or case.title}（{case.status}）" for case in cases]
        raise Conflict(
            "The account cannot be closed while these cases are still going on: " + "；".join(labels),
            reason="privacy.live_cases",
            errors={"cases": labels, "case_ids": [str(case.id) for case in cases]},
        )
    staff = identity_closure.staff_roles(user_id)
    if staff:
        raise Conflict(
            "Staff accounts (court, organisation or platform roles) are closed by their administrators.",
            reason="privacy.staff_account",
            errors={"roles": staff},
        )
    discarded = builds.discard_owner(actor.scope)
    result = identity_closure.close(user_id)
    audit.record(
        "privacy.account_closed",
        actor=actor,
        object_type="user",
        object_id=user_id,
        details={"erased": result["erased"], "kept": list(KEPT), "archives_deleted": discarded},
    )
    db.session.commit()
    return {**result, "kept": list(KEPT)}
