"""The court recalls a delegation it sent (撤回委派).

Before the organisation answers, the delegation simply ends (`recalled`): the dispute or case is the court's
again and may be delegated anew. After acceptance the court gives its reason, and the delegated mediation ends
with it: a mediation under way is closed as failed, one not yet started (no mediator, or not yet accepted by
one) as withdrawn, with the event `mediation.recalled` and the court's reason; its future sessions are
cancelled by the case-end hooks as for any end. The delegation keeps that result as its `outcome`, the
mediation's evidence and mandates come back into a litigation case (delegation_carry), and a recalled dispute
may be filed by the court as a failed one. The organisation's admins and the mediator are notified.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import Case, timeline
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.mediation import delegation, delegation_carry, delegation_notices
from app.mediation.models import CourtDelegation
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

RECALLABLE = ("sent", "accepted")
ROLE = "court_staff"


def recall(*, delegation_id: uuid.UUID, reason: str | None, actor: Principal) -> dict:
    """Take the delegation back (a reason is required once accepted); 409 `delegation.not_recallable` after."""
    seen = db.session.get(CourtDelegation, delegation_id)
    if seen is None or not permissions.is_court_staff(actor, seen.court_id):
        raise NotFound("No such delegation.", reason="delegation.not_found")
    if seen.mediation_case_id is not None:
        # the mediation case first, then the delegation: the order a mediation's end takes (case, then its
        # delegation in the end hook), so a recall and an outcome at the same moment wait, never deadlock
        db.session.scalar(select(Case.id).where(Case.id == seen.mediation_case_id).with_for_update())
    row = db.session.scalars(
        select(CourtDelegation)
        .where(CourtDelegation.id == delegation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    case = db.session.get_one(Case, row.case_id)  # a foreign key
    if delegation.expire_if_due(row):
        delegation.commit_steps()
    if row.state not in RECALLABLE:
        raise Conflict(
            f"The delegation is '{row.state}' and can no longer be recalled.",
            reason="delegation.not_recallable",
            errors={"state": [row.state]},
        )
    if row.state == "accepted" and not reason:
        raise ValidationFailed(errors={"reason": ["Give the reason: the organisation has accepted and mediates."]})
    accepted = row.state == "accepted"
    if not delegation.claim(row, "recalled", from_state=row.state):
        raise Conflict(f"The delegation became '{row.state}' meanwhile.", reason="delegation.not_recallable")
    state = delegation_carry.followup(row)
    state.recalled_at, state.recalled_by, state.recall_reason = clock.now(), actor.subject, reason
    summary = (
        message("The court recalled the delegation and ended its mediation")
        if accepted
        else message("The court recalled the delegation")
    )
    if accepted:
        row.outcome = _end_mediation(row, case, reason=reason or "", actor=actor)
    delegation.step(row, case, "recalled", actor=actor, role=ROLE, summary=summary, reason=reason)
    notes = delegation_notices.tell(row, "delegation_recalled", with_mediator=accepted)
    if accepted:
        delegation_carry.bring_back(row, actor=actor, role=ROLE)
    shown = delegation.commit(row)
    delegation_notices.dispatch(notes)
    return shown


def _end_mediation(row: CourtDelegation, case: Case, *, reason: str, actor: Principal) -> str | None:
    """End the delegated mediation for the recall; its new status (None when it had already ended)."""
    assert row.mediation_case_id is not None  # accepted
    mediation = db.session.scalar(select(Case).where(Case.id == row.mediation_case_id).with_for_update())
    assert mediation is not None  # a foreign key
    target = "failed" if mediation.status == "in_mediation" else "withdrawn"
    if not case_lifecycle.allowed("mediation", mediation.status, target):
        return None
    case_lifecycle.transition(
        mediation,
        target,
        actor=actor,
        actor_role=ROLE,
        reason=f"法院撤回委派：{reason}"[:1000],
        event="mediation.recalled",
        data={"delegation_id": str(row.id)},
    )
    if mediation.id != case.id:
        summary = message(
            "The court recalled the delegation; the mediation is %(state)s", state=label("case.state", target)
        )
        timeline.record(mediation, "delegation.recalled", actor=actor, actor_role=ROLE, summary=summary, reason=reason)
    return target
