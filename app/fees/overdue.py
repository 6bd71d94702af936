"""After the notice: reminders (2 days before the last day and on it), the deadline passing, and the clerk's
decision. Nothing happens to the case by itself at the deadline: the sweep puts the notice in the court's queue
(GET /court/v1/fee-notices?overdue=true) and a clerk either confirms that the case is treated as withdrawn
(按撤诉处理, SPC Interpretation of the CPL Art. 213; the case is closed) or grants more time."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty, end_hooks, lifecycle, review, timeline
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.fees import calculation, ledger, messages, notices, queries
from app.fees.models import FeeNotice, FeeRelief
from app.i18n import message
from app.litigation import court_actions
from app.security.permissions import Principal
from app.utils import clock

OPEN = ("unpaid", "deferred")
REMINDERS = (("2_days_before", 2), ("last_day", 0))
MAX_EXTENSION_DAYS = 30
CLOSING_METHOD = "treated_as_withdrawn"
BEFORE_ACCEPTANCE = ("submitted", "correction_requested")


def send_due_reminders(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Remind each payer of an open notice 2 days before its last day and on it (each once)."""
    now = now or clock.now()
    today = now.astimezone(clock.SHANGHAI).date()
    query = select(FeeNotice).where(FeeNotice.status.in_(OPEN), FeeNotice.due_at > now)
    sent = 0
    rows = db.session.scalars(query.order_by(FeeNotice.due_at).limit(limit).with_for_update(skip_locked=True)).all()
    for notice in rows:
        last = notices.last_day(notice)
        if last is None:
            continue
        due = [name for name, before in REMINDERS if today >= last - dt.timedelta(days=before)]
        new = [name for name in due if name not in (notice.reminders_sent or [])]
        if not new:
            continue
        notice.reminders_sent = [*(notice.reminders_sent or []), *new]
        case, party = db.session.get(Case, notice.case_id), db.session.get(CaseParty, notice.party_id)
        if case is None or party is None or end_hooks.has_ended(case.kind, case.status):
            continue
        if ledger.balance(case.id, party.id)["outstanding"] > 0:
            messages.tell_payer(
                case,
                party,
                "fee_reminder",
                {
                    "notice_id": str(notice.id),
                    "amount_yuan": calculation.yuan(notice.amount_fen),
                    "due_date": str(last),
                    "what": messages.what(messages.DUE_SOON if new[-1] != "last_day" else messages.DUE_TODAY),
                    "reminder": new[-1],
                },
            )
            sent += 1
    db.session.commit()
    return sent


def flag_overdue(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Put every open notice past its deadline in the court's queue, once (timeline and a webhook)."""
    now = now or clock.now()
    query = select(FeeNotice).where(
        FeeNotice.status.in_(OPEN), FeeNotice.due_at <= now, FeeNotice.overdue_flagged_at.is_(None)
    )
    flagged = 0
    rows = db.session.scalars(query.order_by(FeeNotice.due_at).limit(limit).with_for_update(skip_locked=True)).all()
    for notice in rows:
        notice.overdue_flagged_at = now
        case = db.session.get(Case, notice.case_id)
        if case is not None and not end_hooks.has_ended(case.kind, case.status):
            timeline.record(
                case,
                "fee.overdue",
                actor=None,
                actor_role="system",
                summary=message("The time to pay the litigation fee has run out; the clerk decides what follows"),
                data={"notice_id": str(notice.id), "amount_fen": notice.amount_fen},
            )
            messages.court_event(case, "fee.overdue", now, {"notice_id": str(notice.id)})
        flagged += 1
    db.session.commit()
    return flagged


def load_for_court(notice_id: uuid.UUID, actor: Principal) -> tuple[FeeNotice, Case]:
    notice = db.session.get(FeeNotice, notice_id)
    if notice is None:
        raise NotFound("No such fee notice.", reason="fees.notice_not_found")
    case, _facts = review.load_for_review(case_id=notice.case_id, actor=actor)  # 404 / 403 as for the case
    db.session.refresh(notice, with_for_update=True)
    return notice, case


def treat_as_withdrawn(*, notice_id: uuid.UUID, actor: Principal, reason: str | None = None) -> dict:
    """The clerk confirms: the fee was not paid in time, the case is treated as withdrawn and closed."""
    notice, case = load_for_court(notice_id, actor)
    now = clock.now()
    if notice.status not in OPEN:
        raise Conflict(f"The notice is {notice.status}.", reason="fees.notice_not_open")
    if notice.purpose != "acceptance":  # an unpaid appeal fee: the appeal (not the case) is treated as withdrawn,
        raise Conflict(  # which the appellate court rules on (SPC Interpretation Art. 318); extend is still open
            "An unpaid appeal fee is for the appellate court to rule on; the first-instance case is not withdrawn.",
            reason="fees.not_acceptance_fee",
        )
    if notice.due_at is None or now < notice.due_at:
        raise Conflict("The time to pay has not run out yet.", reason="fees.not_overdue")
    if ledger.balance(case.id, notice.party_id)["outstanding"] <= 0:
        raise Conflict("Nothing is outstanding on this notice.", reason="fees.nothing_outstanding")
    pending = db.session.scalar(
        select(FeeRelief.id).where(FeeRelief.notice_id == notice.id, FeeRelief.status == "pending")
    )
    if pending is not None:
        raise Conflict(
            "An application for deferral, reduction or waiver awaits a decision.", reason="fees.relief_pending"
        )
    text = (reason or "").strip() or "逾期未交纳案件受理费，按撤诉处理"
    data = {"closing_method": CLOSING_METHOD, "fee_notice_id": str(notice.id), "basis": "诉讼费用交纳办法第二十二条"}
    notice.status, notice.settled_at = "treated_as_withdrawn", now
    timeline.record(
        case,
        "fee.treated_as_withdrawn",
        actor=actor,
        actor_role=messages.staff_role(actor, case.court_id),
        summary=message(
            "The fee of %(amount)s yuan was not paid in time: treated as withdrawn",
            amount=calculation.yuan(notice.amount_fen),
        ),
        reason=text,
        data=data,
    )
    audit.record(
        "fee.treated_as_withdrawn",
        actor=actor,
        object_type="fee_notice",
        object_id=notice.id,
        details={"case_id": str(case.id), "outstanding_fen": notice.amount_fen},
    )
    party = db.session.get(CaseParty, notice.party_id)
    if party is not None:
        messages.tell_payer(
            case,
            party,
            "fee_decision",
            {"notice_id": str(notice.id), "what": messages.what(messages.TREATED_AS_WITHDRAWN)},
        )
    messages.court_event(case, "fee.treated_as_withdrawn", now, {"notice_id": str(notice.id), "reason": text})
    if case.status in BEFORE_ACCEPTANCE:  # prepayment at filing: the filing is withdrawn
        lifecycle.transition(
            case,
            "withdrawn",
            actor=actor,
            actor_role=messages.staff_role(actor, case.court_id),
            reason=text,
            event="case.treated_as_withdrawn",
            data=data,
        )
        db.session.commit()
    else:  # accepted: closed (结案) with its closing method, which litigation records (and commits with the above)
        court_actions.record_decision(case_id=case.id, actor=actor, closing_method=CLOSING_METHOD, note=text)
    return queries.describe_notice(notice, case=case)


def extend(*, notice_id: uuid.UUID, actor: Principal, days: int, reason: str | None = None) -> dict:
    """The clerk grants more time: a new deadline `days` from the day after today (deadline engine)."""
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(errors={"days": [f"Must be between 1 and {MAX_EXTENSION_DAYS} days."]})
    notice, case = load_for_court(notice_id, actor)
    if notice.status not in OPEN:
        raise Conflict(f"The notice is {notice.status}.", reason="fees.notice_not_open")
    now = clock.now()
    previous = notice.due_at
    notice.due_at, notice.deadline = notices.compute_due(now, days, "fee.extended")
    notice.reminders_sent, notice.overdue_flagged_at = [], None
    timeline.record(
        case,
        "fee.deadline_extended",
        actor=actor,
        actor_role=messages.staff_role(actor, case.court_id),
        summary=message("More time to pay the litigation fee: until %(day)s", day=notices.last_day(notice)),
        reason=(reason or "").strip() or None,
        data={"notice_id": str(notice.id), "days": days},
    )
    audit.record(
        "fee.deadline_extended",
        actor=actor,
        object_type="fee_notice",
        object_id=notice.id,
        details={"days": days, "previous_due_at": previous.isoformat() if previous else None},
    )
    party = db.session.get(CaseParty, notice.party_id)
    if party is not None:
        messages.tell_payer(
            case,
            party,
            "fee_decision",
            {
                "notice_id": str(notice.id),
                "due_date": str(notices.last_day(notice)),
                "what": messages.what(messages.TIME_EXTENDED),
            },
        )
    messages.court_event(case, "fee.deadline_extended", now, {"notice_id": str(notice.id), "days": days})
    db.session.commit()
    return queries.describe_notice(notice, case=case)
