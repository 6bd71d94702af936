"""A court delegates a dispute (委派调解, before filing) or a case (委托调解, after filing) to a linked organisation.

sent -> accepted | declined | expired (not accepted by the due date) ; accepted -> returned (the outcome). A
dispute brought to the court for mediation is mediated as it is (its organisation is set on acceptance); a
litigation filing or case is mediated in a new mediation case made from it, carrying its parties and evidence
(transfer.py's carrying). Every step is a timeline event on the court's case, an audit event and a webhook
event (`delegation.*`) to the court's subscribers. Reading and listing are in delegation_queries.py.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.audit import log as audit_log
from app.cases import Case, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import Message, label, message
from app.identity import MediationOrganization, MediationOrgCourt
from app.mediation import assignment as mediation_assignment
from app.mediation import delegation_carry, delegation_notices
from app.mediation import delegation_queries as queries
from app.mediation import transfer as mediation_transfer
from app.mediation.models import CourtDelegation
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock
from app.utils.ids import new_id
from app.webhooks import deliveries as webhooks

EVENT_TYPES = ("sent", "accepted", "declined", "expired", "returned", "recalled", "overdue")
LIVE = ("sent", "accepted")
LITIGATION_STAGES = {"submitted": "pre_filing", "correction_requested": "pre_filing", "accepted": "post_filing"}
TO_MEDIATION_ROLES = {"plaintiff": "applicant", "defendant": "respondent", "third_party": "third_party"}
HOOKS_KEY = "delegation_webhooks"
DISPATCH_KEY = delegation_carry.DISPATCH_KEY  # the return's webhooks and the carried mandates' approvals
NOTES_KEY = "delegation_notes"
RETURNING = ("settled", "failed", "withdrawn")  # how a mediation ends; confirmation comes later, by the court


def send(*, case_id: uuid.UUID, org_id: uuid.UUID, due_date: dt.date, note: str | None, actor: Principal) -> dict:
    """The court sends its dispute or case to a linked organisation, to be mediated by `due_date`."""
    case = db.session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None or case.court_id is None or not permissions.is_court_staff(actor, case.court_id):
        raise case_access.not_found()
    court_id = case.court_id
    stage = _stage_of(case)
    _check_org(org_id, court_id)
    if due_date < clock.now_shanghai().date():
        raise ValidationFailed(errors={"due_date": ["The due date has passed."]})
    for live in db.session.scalars(
        select(CourtDelegation)
        .filter_by(case_id=case.id)
        .where(CourtDelegation.state.in_(LIVE))
        .with_for_update()  # waits for a sweep expiring it; the state is read again after
    ):
        if not expire_if_due(live):
            raise Conflict(
                "The case is already with a mediation organisation.",
                reason="delegation.already_delegated",
                errors={"delegation_id": [str(live.id)]},
            )
    now = clock.now()
    row = CourtDelegation(
        court_id=court_id,
        org_id=org_id,
        case_id=case.id,
        mediation_case_id=case.id if case.kind == "mediation" else None,
        stage=stage,
        state="sent",
        due_date=due_date,
        note=note,
        sent_by=actor.subject,
        sent_at=now,
    )
    db.session.add(row)
    db.session.flush()
    step(
        row,
        case,
        "sent",
        actor=actor,
        role="court_staff",
        summary=message("Delegated to mediation, due %(day)s", day=due_date),
    )
    return commit(row)


def _stage_of(case: Case) -> str:
    """pre_filing (a dispute, or a filing under review) or post_filing (an accepted case); 409 otherwise."""
    if case.kind == "mediation" and case.status == "submitted" and case.org_id is None:
        return "pre_filing"
    if case.kind == "litigation" and case.status in LITIGATION_STAGES:
        return LITIGATION_STAGES[case.status]
    raise Conflict(
        f"A {case.kind} case in state '{case.status}' cannot be delegated to mediation.",
        reason="delegation.not_delegable",
        errors={"status": [case.status]},
    )


def _check_org(org_id: uuid.UUID, court_id: uuid.UUID) -> None:
    org = db.session.get(MediationOrganization, org_id)
    if org is None or not org.active:
        raise ValidationFailed(errors={"org_id": ["No such mediation organisation."]})
    if db.session.get(MediationOrgCourt, (org_id, court_id)) is None:
        raise Conflict(
            "The organisation is not linked to this court; a platform admin links it first.",
            reason="delegation.org_not_linked",
            errors={"org_id": [str(org_id)]},
        )


def accept(*, delegation_id: uuid.UUID, mediator_id: uuid.UUID | None, actor: Principal) -> dict:
    """The organisation's admin takes the delegation; the mediation starts as any other (optionally assigned)."""
    row, case = _incoming(delegation_id, actor, to_state="accepted")
    now = clock.now()
    row.responded_by, row.responded_at = actor.user_id, now
    if case.kind == "mediation":
        case.org_id = row.org_id
    else:
        row.mediation_case_id = _mediation_from(row, case, actor=actor).id
    db.session.flush()
    step(
        row,
        case,
        "accepted",
        actor=actor,
        role="org_admin",
        summary=message("The organisation accepted the delegation"),
    )
    if mediator_id is None:
        return commit(row)
    hook_ids = webhooks.record(db.session.info.pop(HOOKS_KEY, []))
    assert row.mediation_case_id is not None  # set above
    # choose() checks the mediator against the organisation's candidates and commits the whole acceptance
    offer = mediation_assignment.choose(case_id=row.mediation_case_id, mediator_id=mediator_id, actor=actor)
    webhooks.dispatch(hook_ids)
    return {**queries.view(row), "assignment": offer}


def decline(*, delegation_id: uuid.UUID, reason: str, actor: Principal) -> dict:
    """The organisation's admin refuses the delegation, with the reason; the court may send it elsewhere."""
    row, case = _incoming(delegation_id, actor, to_state="declined")
    row.responded_by, row.responded_at, row.decline_reason = actor.user_id, clock.now(), reason
    step(
        row,
        case,
        "declined",
        actor=actor,
        role="org_admin",
        summary=message("The organisation declined"),
        reason=reason,
    )
    return commit(row)


def _incoming(delegation_id: uuid.UUID, actor: Principal, *, to_state: str) -> tuple[CourtDelegation, Case]:
    """The delegation, moved to `to_state`, and its case, locked, for the admin of the organisation it was sent
    to (404 otherwise)."""
    row = db.session.scalar(select(CourtDelegation).where(CourtDelegation.id == delegation_id).with_for_update())
    if row is None or not permissions.is_org_admin(actor, row.org_id):
        raise NotFound("No such delegation.", reason="delegation.not_found")
    case = db.session.scalar(select(Case).where(Case.id == row.case_id).with_for_update())
    assert case is not None  # a foreign key
    if expire_if_due(row):
        commit_steps()
        raise Conflict("The due date passed before the delegation was answered.", reason="delegation.expired")
    if row.state == "expired":  # the sweep recorded it
        raise Conflict("The due date passed before the delegation was answered.", reason="delegation.expired")
    if row.state != "sent":
        raise Conflict(f"The delegation is already '{row.state}'.", reason="delegation.answered")
    moved_on = case.status != "submitted" or case.org_id is not None
    if (case.kind == "mediation" and moved_on) or (case.kind == "litigation" and case.status not in LITIGATION_STAGES):
        raise Conflict(
            f"The dispute has moved on ('{case.status}') since it was delegated.",
            reason="delegation.case_moved",
            errors={"status": [case.status]},
        )
    if not claim(row, to_state, from_state="sent"):
        raise Conflict(f"The delegation is already '{row.state}'.", reason="delegation.answered")
    return row, case


def _mediation_from(row: CourtDelegation, case: Case, *, actor: Principal) -> Case:
    """A mediation case made from a litigation filing or case: parties (accounts kept), submitted evidence and the
    lawyers' mandates (delegation_carry)."""
    now = clock.now()
    mediation = Case(
        kind="mediation",
        status=case_lifecycle.INITIAL,
        court_id=case.court_id,
        org_id=row.org_id,
        category=case.category,
        title=case.title,
        claims=case.claims,
        facts=case.facts,
        amount=case.amount,
        filed_by_user_id=case.filed_by_user_id,
        filed_via="delegation",
        submitted_at=now,
        origin_case_id=case.id,
    )
    db.session.add(mediation)
    db.session.flush()
    parties = mediation_transfer.carry_parties(
        case, mediation, roles=TO_MEDIATION_ROLES, keep_account=lambda party: True, actor=actor
    )
    timeline.record(
        mediation,
        "case.filed",
        actor=actor,
        actor_role="org_admin",
        to_status=mediation.status,
        summary=message("mediation delegated by the court: %(title)s", title=mediation.title),
        data={"origin_case_id": str(case.id)},
    )
    mediation_transfer.carry_evidence(case, mediation, parties=parties, actor=actor)
    delegation_carry.carry_into(row, case, mediation, parties=parties, actor=actor)
    return mediation


def on_case_ended(case: Case, status: str, actor: Principal | None) -> None:
    """A delegated mediation ended (settled, failed or withdrawn): the delegation returns to the court.

    Registered in `app.cases.end_hooks` (app/wiring.py), so it runs in the transaction of the status change,
    whoever made it; the webhook rows are written now and sent by `dispatch_pending` after the commit (or by
    the webhook sweep when the caller does not call it).
    """
    undelegated = db.session.info.pop(UNDELEGATED_KEY, None) == (case.id, db.session().get_transaction())
    if case.kind != "mediation" or status not in RETURNING or undelegated:
        return
    with db.session.no_autoflush:  # the case's pending change is not what this reads (issue 18: one flush later)
        row = db.session.scalar(_ACCEPTED_OF_MEDIATION, {"mediation_case_id": case.id})
    if row is None or not claim(row, "returned", from_state="accepted"):
        return
    row.returned_at, row.outcome = clock.now(), status
    court_case = db.session.get_one(Case, row.case_id)  # a foreign key
    summary = message("Mediation returned to the court: %(state)s", state=label("case.state", status))
    role = "mediator" if actor is not None and actor.user_id == case.mediator_user_id else "party"
    role = role if actor else "system"
    step(row, court_case, "returned", actor=actor, role=role, summary=summary)
    if court_case.id != case.id:
        timeline.record(case, "delegation.returned", actor=actor, actor_role=role, summary=summary)
        # evidence and mandates back into the litigation (a store outage leaves it to the delegation sweep)
        delegation_carry.bring_back(row, actor=actor, role=role)
    hook_ids = webhooks.record(db.session.info.pop(HOOKS_KEY, []))
    db.session.info.setdefault(DISPATCH_KEY, []).extend(hook_ids)


# Built once (issue 18): the accepted delegation of a mediation case, locked (every mediation that ends asks).
_ACCEPTED_OF_MEDIATION = (
    select(CourtDelegation)
    .where(CourtDelegation.mediation_case_id == bindparam("mediation_case_id"), CourtDelegation.state == "accepted")
    .with_for_update()
)


# Whether an accepted delegation returns to the court when the mediation ends: a column correlated to the case,
# for the statement that locks the case (app/mediation/case_facts.py; the outcome adds it).
ACCEPTED_EXISTS = (
    select(CourtDelegation.id)
    .where(CourtDelegation.mediation_case_id == Case.id, CourtDelegation.state == "accepted")
    .exists()
)
UNDELEGATED_KEY = "microcourt.undelegated_case"


def known_undelegated(case: Case) -> None:
    """Remember for this transaction that `case` has no accepted delegation, as read with the case's lock
    (ACCEPTED_EXISTS): its end hook then reads no delegation (issue 18: one statement less). A delegation is
    accepted only for a case still submitted, under its lock, so none can appear while the lock is held."""
    db.session.info[UNDELEGATED_KEY] = (case.id, db.session().get_transaction())


def dispatch_pending() -> None:
    """Start the sends of returns recorded in the transaction just committed (the sweep retries any left)."""
    webhooks.dispatch(db.session.info.pop(DISPATCH_KEY, []))


def expire_if_due(row: CourtDelegation) -> bool:
    """A sent delegation past its due date becomes expired (recorded once); the caller commits."""
    if row.state != "sent" or row.due_date >= clock.now_shanghai().date():
        return False
    if not claim(row, "expired", from_state="sent"):
        return False
    case = db.session.get_one(Case, row.case_id)  # a foreign key
    step(row, case, "expired", actor=None, role="system", summary=message("Not accepted by the due date"))
    delegation_carry.followup(row).expired_at = clock.now()
    notes = delegation_notices.tell(row, "delegation_expired", with_mediator=False)
    db.session.info.setdefault(NOTES_KEY, []).extend(notes)
    return True


def claim(row: CourtDelegation, to_state: str, *, from_state: str) -> bool:
    """Move the row to `to_state` only if it is still `from_state`: one conditional UPDATE, so exactly one of
    several racing callers wins on SQLite too, where FOR UPDATE locks nothing. False (row reloaded) if lost."""
    result = db.session.execute(
        update(CourtDelegation)
        .where(CourtDelegation.id == row.id, CourtDelegation.state == from_state)
        .values(state=to_state, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(row)
        return False
    set_committed_value(row, "state", to_state)
    return True


def step(
    row: CourtDelegation,
    case: Case,
    step: str,
    *,
    actor: Principal | None,
    role: str,
    summary: Message,
    reason: str | None = None,
) -> None:
    """One step: the court case's timeline, the audit log, and a webhook event to send at the commit."""
    data = {"delegation_id": str(row.id), "org_id": str(row.org_id), "stage": row.stage}
    timeline.record(case, f"delegation.{step}", actor=actor, actor_role=role, summary=summary, reason=reason, data=data)
    audit_log.record(f"delegation.{step}", actor=actor, object_type="court_delegation", object_id=row.id, details=data)
    at = clock.now()
    event = webhooks.Event(
        id=new_id(), type=f"delegation.{step}", court_id=row.court_id, at=at, data=lambda: queries.payload(row)
    )
    db.session.info.setdefault(HOOKS_KEY, []).append(event)


def commit(row: CourtDelegation) -> dict:
    """Commit the steps; the delegation as the caller sees it."""
    commit_steps()
    return queries.view(row)


def commit_steps() -> None:
    """Write the webhook rows of this transaction's steps, commit once, then start the sends (and notifications)."""
    hook_ids = webhooks.record(db.session.info.pop(HOOKS_KEY, []))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        db.session.info.pop(NOTES_KEY, None)
        raise Conflict(
            "The case was delegated at the same time; reload it.", reason="delegation.already_delegated"
        ) from None
    webhooks.dispatch(hook_ids)
    delegation_notices.dispatch(db.session.info.pop(NOTES_KEY, []))
    dispatch_pending()
