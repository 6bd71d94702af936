"""Mediation time limits: the mediation clock (with its warning sweep) and judicial-confirmation deadlines."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Uuid, bindparam, select, update
from sqlalchemy.orm import aliased

from app import i18n
from app.cases import Case, detail_sections, timeline
from app.extensions import db
from app.identity import User
from app.legal import Deadline, compute_deadline, load_overrides
from app.mediation.models import JudicialConfirmation, MediationAgreement, MediatorAssignment
from app.platform import settings
from app.security import pii
from app.sms import SmsMessage
from app.sms import outbox as notifications_sms
from app.utils import clock
from app.utils.clock import SHANGHAI

log = logging.getLogger(__name__)
CLOCK_RUNNING = ("mediator_accepted", "in_mediation")


def mediation_clock(accepted_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(due_at, warn_at): 24:00 Asia/Shanghai of the MEDIATION_DAYS-th day after acceptance, and the warning."""
    config = settings.mediation()
    accepted_day = clock.as_utc(accepted_at).astimezone(SHANGHAI).date()
    last_day = accepted_day + dt.timedelta(days=config.days)
    due_at = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI).astimezone(dt.UTC)
    return due_at, due_at - dt.timedelta(days=config.warn_days)


def clock_explanation(accepted_at: dt.datetime) -> list[str]:
    """Why the mediation ends when it does (the clock starts when the mediator accepts)."""
    days = settings.mediation().days
    accepted = accepted_at.astimezone(SHANGHAI)
    lines = [
        i18n.message(
            "Trigger: the mediator accepted the case at %(at)s Asia/Shanghai.",
            context="deadline",
            at=f"{accepted:%Y-%m-%d %H:%M}",
        ),
        i18n.message(
            "Period: mediation within %(days)s days, counted from %(start)s.",
            context="deadline",
            days=days,
            start=accepted.date() + dt.timedelta(days=1),
        ),
        i18n.message(
            "Ends at 24:00 Asia/Shanghai on %(day)s.", context="deadline", day=accepted.date() + dt.timedelta(days=days)
        ),
    ]
    return [line.render(i18n.current_language()) for line in lines]


def legal_deadline(*, trigger_at: dt.datetime, days: int, trigger_label: str, period_label: str) -> Deadline:
    """A calendar-day deadline of app/legal (rolled past rest days and holidays, explained)."""
    return compute_deadline(
        trigger_at=trigger_at,
        period_days=days,
        trigger_label=trigger_label,
        period_label=period_label,
        overrides=load_overrides(),
    )


def application_window(effective_at: dt.datetime) -> Deadline:
    """The window for applying for judicial confirmation: JUDICIAL_CONFIRMATION_DAYS after the agreement took effect."""
    return legal_deadline(
        trigger_at=effective_at,
        days=settings.mediation().confirmation_days,
        trigger_label="mediation.agreement_effective",
        period_label="judicial_confirmation",
    )


def for_case(case: Any) -> list[dict] | detail_sections.Read:
    """The mediation deadlines running on a case, for the case detail's `deadlines` list: none without a read, or
    the read of the one row they come from, folded into the detail's shared statement (issue 18, session 10: it was
    a statement of its own)."""
    if case.kind != "mediation":
        return []
    if case.status in CLOCK_RUNNING:
        return _CLOCK_READ
    if case.status == "settled":
        return _AGREEMENT_READ
    if case.status == "judicial_confirmation_requested":
        return _COURT_READ
    return []


def _clock_entries(values: Sequence[Any]) -> list[dict]:
    due_at, warn_at, accepted_at = values
    # due_at and accepted_at are set together when the mediator accepts
    if due_at is None or accepted_at is None:
        return []
    return [
        {
            "type": "mediation_period",
            "due_at": _iso(due_at),
            "warn_at": _iso(warn_at),
            "calendar_covered": True,
            "explanation": clock_explanation(accepted_at),
        }
    ]


def _agreement_entries(values: Sequence[Any]) -> list[dict]:
    (effective_at,) = values
    if effective_at is None:
        return []
    return [_deadline_entry("judicial_confirmation_application", application_window(effective_at))]


def _court_entries(values: Sequence[Any]) -> list[dict]:
    status, accept_due_at, decide_due_at = values
    if status == "submitted" and accept_due_at:
        return [_plain("judicial_confirmation_acceptance", accept_due_at)]
    if status == "accepted" and decide_due_at:
        return [_plain("judicial_confirmation_decision", decide_due_at)]
    return []


# Each state's row, built once: at most one per case (the accepted assignment, the agreement and the
# confirmation are unique per case), outer-joined to the detail's shared statement.
_ACCEPTED = aliased(MediatorAssignment, name="accepted_assignment")
_AGREEMENT = aliased(MediationAgreement, name="case_agreement")
_CONFIRMATION = aliased(JudicialConfirmation, name="case_confirmation")
_CASE_ID = bindparam("case_id", type_=Uuid)
_CLOCK_READ = detail_sections.Read(
    fold=detail_sections.Fold(
        columns=(_ACCEPTED.due_at, _ACCEPTED.warn_at, _ACCEPTED.accepted_at),
        joins=((_ACCEPTED, (_ACCEPTED.case_id == _CASE_ID) & (_ACCEPTED.status == "accepted")),),
    ),
    value=_clock_entries,
)
_AGREEMENT_READ = detail_sections.Read(
    fold=detail_sections.Fold(
        columns=(_AGREEMENT.effective_at,), joins=((_AGREEMENT, _AGREEMENT.case_id == _CASE_ID),)
    ),
    value=_agreement_entries,
)
_COURT_READ = detail_sections.Read(
    fold=detail_sections.Fold(
        columns=(_CONFIRMATION.status, _CONFIRMATION.accept_due_at, _CONFIRMATION.decide_due_at),
        joins=((_CONFIRMATION, _CONFIRMATION.case_id == _CASE_ID),),
    ),
    value=_court_entries,
)


def _deadline_entry(kind: str, deadline: Deadline) -> dict:
    return {
        "type": kind,
        "due_at": _iso(deadline.ends_at),
        "calendar_covered": deadline.calendar_covered,
        "explanation": deadline.explanation(),
    }


def _plain(kind: str, due_at: dt.datetime) -> dict:
    return {"type": kind, "due_at": _iso(due_at), "calendar_covered": True, "explanation": []}


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat() if value else None


def send_due_warnings(*, limit: int = 500) -> int:
    """Warn the mediator of every running mediation whose warning time has come; safe to run twice or at once."""
    now = clock.now()
    due = db.session.scalars(
        select(MediatorAssignment.id)
        .join(Case, Case.id == MediatorAssignment.case_id)
        .where(
            MediatorAssignment.status == "accepted",
            MediatorAssignment.warned_at.is_(None),
            MediatorAssignment.warn_at <= now,
            Case.status.in_(CLOCK_RUNNING),
        )
        .order_by(MediatorAssignment.warn_at)
        .limit(limit)
    ).all()
    warned = 0
    for assignment_id in due:
        warned += _warn_one(assignment_id, now=now)
    return warned


def _warn_one(assignment_id: uuid.UUID, *, now: dt.datetime) -> int:
    claimed = db.session.execute(  # an UPDATE gives a CursorResult; Session.execute is typed as the plain Result
        update(MediatorAssignment)
        .where(MediatorAssignment.id == assignment_id, MediatorAssignment.warned_at.is_(None))
        .values(warned_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:  # another sweep got there first
        db.session.rollback()
        return 0
    # the row was just claimed above and its case is a non-null foreign key: both exist
    assignment = db.session.get_one(MediatorAssignment, assignment_id)
    case = db.session.get_one(Case, assignment.case_id)
    # only accepted assignments with a warn_at are swept, and acceptance sets due_at with warn_at
    assert assignment.due_at is not None
    due = assignment.due_at.astimezone(SHANGHAI)
    timeline.record(
        case,
        "mediation.deadline_warning",
        actor=None,
        actor_role="system",
        summary=i18n.message(
            "The mediation period ends at 24:00 on %(day)s (Asia/Shanghai).", day=due.date() - dt.timedelta(days=1)
        ),
        data={"due_at": due.isoformat()},
    )
    message = _sms_mediator(assignment, case, due)
    db.session.commit()
    if message is not None:
        notifications_sms.dispatch(message.id)
    log.info("mediation deadline warning", extra={"case_id": str(case.id)})
    return 1


def _sms_mediator(assignment: MediatorAssignment, case: Case, due: dt.datetime) -> SmsMessage | None:
    mediator = db.session.get(User, assignment.mediator_user_id)
    if mediator is None or not mediator.phone_enc:
        return None
    phone = pii.decrypt(mediator.phone_enc, field="phone")
    last_day = (due.date() - dt.timedelta(days=1)).isoformat()
    return notifications_sms.queue(
        phone=phone,
        template="mediation_deadline",
        params={"title": case.title, "due": last_day},
        language=i18n.user_language(str(mediator.id)),  # the mediator's, never the clock's
    )
