"""The delegation sweep (periodic, app/mediation/tasks.py): what the due date and the store leave to the clock.

- A `sent` delegation past its due date (Asia/Shanghai) is recorded `expired`: timeline on the court's case,
  audit, webhook `delegation.expired`, the organisation's admins notified.
- An `accepted` one whose mediation is not back by the due date is marked overdue once: timeline on the
  court's case and the mediation case, audit, webhook `delegation.overdue`, the admins and the mediator
  notified. The mediation goes on (the mediation period's own end closes or extends it); the court may recall.
- A return whose evidence could not be carried back (the store was down) is carried now.

Each row is handled in its own transaction under a row lock taken with SKIP LOCKED on PostgreSQL, and its
condition is read again under the lock, so N workers sweeping at once act once per row, and a second sweep
finds nothing to do. Answering, sending again or recalling lock the same row and read its state after.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from app.cases import Case, timeline
from app.extensions import db
from app.i18n import message
from app.mediation import delegation, delegation_carry, delegation_notices
from app.mediation.delegation_models import DelegationFollowup
from app.mediation.models import CourtDelegation
from app.utils import clock

log = logging.getLogger(__name__)


def sweep(*, limit: int = 200) -> int:
    """Expire, mark overdue and carry back whatever is due; how many rows were acted on."""
    return expire_due(limit=limit) + mark_overdue(limit=limit) + carry_back_pending(limit=limit)


def _today():
    return clock.now_shanghai().date()


def _locked(query: Select) -> CourtDelegation | None:
    """The row under a lock, or None when another worker holds it (SKIP LOCKED; SQLite serialises writers)."""
    return db.session.scalar(query.with_for_update(skip_locked=True))


def expire_due(*, limit: int = 200) -> int:
    """Record every `sent` delegation past its due date as expired."""
    due = select(CourtDelegation.id).where(CourtDelegation.state == "sent", CourtDelegation.due_date < _today())
    ids = db.session.scalars(due.order_by(CourtDelegation.due_date).limit(limit)).all()
    db.session.rollback()
    return sum(_expire_one(delegation_id) for delegation_id in ids)


def _expire_one(delegation_id: uuid.UUID) -> int:
    row = _locked(select(CourtDelegation).where(CourtDelegation.id == delegation_id))
    # expire_if_due claims the row (one winner) and records it: timeline, audit, webhook, the admins' notices
    if row is None or not delegation.expire_if_due(row):
        db.session.rollback()
        return 0
    delegation.commit_steps()
    return 1


def mark_overdue(*, limit: int = 200) -> int:
    """Tell, once, about every accepted delegation whose mediation is not back by its due date."""
    told = select(DelegationFollowup.delegation_id).where(DelegationFollowup.overdue_at.is_not(None))
    due = select(CourtDelegation.id).where(
        CourtDelegation.state == "accepted", CourtDelegation.due_date < _today(), CourtDelegation.id.not_in(told)
    )
    ids = db.session.scalars(due.order_by(CourtDelegation.due_date).limit(limit)).all()
    db.session.rollback()
    return sum(_overdue_one(delegation_id) for delegation_id in ids)


def _overdue_one(delegation_id: uuid.UUID) -> int:
    row = _locked(select(CourtDelegation).where(CourtDelegation.id == delegation_id))
    if row is None or row.state != "accepted" or row.due_date >= _today():
        db.session.rollback()
        return 0
    try:
        won = delegation_carry.claim_once(row, "overdue_at")
    except IntegrityError:  # another worker made the follow-up row at the same moment: it tells
        won = False
    if not won:
        db.session.rollback()
        return 0
    case = db.session.get_one(Case, row.case_id)
    summary = message("The mediation is not back by the due date %(day)s", day=row.due_date)
    delegation.step(row, case, "overdue", actor=None, role="system", summary=summary)
    if row.mediation_case_id is not None and row.mediation_case_id != case.id:
        mediation = db.session.get_one(Case, row.mediation_case_id)
        timeline.record(mediation, "delegation.overdue", actor=None, actor_role="system", summary=summary)
    notes = delegation_notices.tell(row, "delegation_overdue", with_mediator=True)
    delegation.commit_steps()
    delegation_notices.dispatch(notes)
    return 1


def carry_back_pending(*, limit: int = 200) -> int:
    """Carry back the evidence and mandates of returns the store refused at the time."""
    done = select(DelegationFollowup.delegation_id).where(DelegationFollowup.carried_back_at.is_not(None))
    due = select(CourtDelegation.id).where(
        CourtDelegation.state.in_(("returned", "recalled")),
        CourtDelegation.outcome.in_(delegation_carry.BACK_OUTCOMES),
        CourtDelegation.mediation_case_id.is_not(None),
        CourtDelegation.mediation_case_id != CourtDelegation.case_id,
        CourtDelegation.id.not_in(done),
    )
    ids = db.session.scalars(due.order_by(CourtDelegation.returned_at).limit(limit)).all()
    db.session.rollback()
    count = 0
    for delegation_id in ids:
        row = _locked(select(CourtDelegation).where(CourtDelegation.id == delegation_id))
        try:
            carried = row is not None and delegation_carry.bring_back(row, actor=None, role="system") is True
        except IntegrityError:  # another worker made the follow-up row at the same moment: it carries
            carried = False
        if carried:
            db.session.commit()
            delegation.dispatch_pending()
            count += 1
        else:
            db.session.rollback()
    return count
