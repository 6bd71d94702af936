"""The notice to pay (交纳诉讼费用通知书): issued to the plaintiff when the court accepts a litigation case (or at
filing where the court asks for prepayment), with the amount, its basis and the deadline: 7 days from the day
after the notice (Measures Art. 22), counted by the deadline engine in app/legal and explained."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty, timeline
from app.extensions import db
from app.fees import calculation, ledger, messages
from app.fees import schedule as fee_schedule
from app.fees.models import FeeNotice
from app.i18n import current_language, message
from app.legal import calendar, deadlines
from app.security.permissions import Principal
from app.utils import clock

PAYER_ROLES = ("plaintiff",)


def payer_of(case: Case) -> CaseParty | None:
    """The party who pays the acceptance fee: the (first named) plaintiff."""
    query = select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role.in_(PAYER_ROLES))
    return db.session.scalar(query.order_by(CaseParty.created_at, CaseParty.id).limit(1))


def compute_due(trigger_at: dt.datetime, days: int, trigger: str | deadlines.Trigger) -> tuple[dt.datetime, dict]:
    """24:00 Asia/Shanghai of the last day (counting from the day after the trigger, rolled past rest days and
    holidays), with the engine's explanation; beyond the calendar the plain period, and the record says so.
    `trigger` is a key of `deadlines.TRIGGERS` ("fee.extended") or a `deadlines.trigger(...)` with its facts."""
    deadline = deadlines.compute_deadline(
        trigger_at=trigger_at,
        period_days=days,
        trigger_label=trigger,
        period_label="period to pay the litigation fee (交纳诉讼费用, Measures Art. 22)",
        overrides=calendar.load_overrides(),
    )
    explained = deadline.as_dict()
    if deadline.ends_at is not None:
        return deadline.ends_at.astimezone(dt.UTC), explained
    end = dt.datetime.combine(deadline.raw_end_date + dt.timedelta(days=1), dt.time(0), tzinfo=clock.SHANGHAI)
    explained["explanation"] = [
        *deadline.explanation(),
        message("Not rolled forward: the holiday calendar does not cover the last day yet.", context="deadline").render(
            current_language()
        ),
    ]
    return end.astimezone(dt.UTC), explained


def last_day(notice: FeeNotice) -> dt.date | None:
    """The last day to pay, in Asia/Shanghai."""
    if notice.due_at is None:
        return None
    return (notice.due_at.astimezone(clock.SHANGHAI) - dt.timedelta(microseconds=1)).date()


def issue_for_case(case: Case, actor: Principal | None, *, trigger: str = "fee.notice.acceptance") -> FeeNotice | None:
    """Issue the acceptance-fee notice of a litigation case (once; the caller commits). None when no fee is due.
    `trigger`: the deadline's trigger key (`fee.notice.acceptance`, or `fee.notice.filing` where the court asks
    for prepayment)."""
    if case.kind != "litigation":
        return None
    payer = payer_of(case)
    if payer is None:
        return None
    data = fee_schedule.load()
    name = calculation.schedule_for_case(case.category, case.amount, data)
    fee = calculation.calculate(name, case.amount, data=data)
    return issue(
        case,
        payer,
        fee,
        actor,
        purpose="acceptance",
        trigger=trigger,
        what=messages.what(messages.ACCEPTANCE_FEE),
    )


def issue(
    case: Case,
    payer: CaseParty,
    fee: calculation.Fee,
    actor: Principal | None,
    *,
    purpose: str,
    trigger: str,
    what: dict,
) -> FeeNotice | None:
    """Issue one notice to pay (one per case, payer and purpose; the caller commits). None when the fee is 0."""
    existing = db.session.scalar(
        select(FeeNotice).where(
            FeeNotice.case_id == case.id, FeeNotice.party_id == payer.id, FeeNotice.purpose == purpose
        )
    )
    if existing is not None:
        return existing
    if fee.amount_fen <= 0:
        return None
    now = clock.now()
    period = int(fee_schedule.load()["notice"]["period_days"])
    due_at, explained = compute_due(now, period, trigger)  # a key of deadlines.TRIGGERS ("fee.notice.appeal")
    notice = FeeNotice(
        case_id=case.id,
        party_id=payer.id,
        court_id=case.court_id,
        purpose=purpose,
        amount_fen=fee.amount_fen,
        original_amount_fen=fee.amount_fen,
        basis=fee.basis,
        deadline=explained,
        issued_at=now,
        due_at=due_at,
        status="unpaid",
        reminders_sent=[],
    )
    db.session.add(notice)
    db.session.flush()
    ledger.post(
        case_id=case.id,
        party_id=payer.id,
        kind="due",
        amount_fen=fee.amount_fen,
        reference=f"notice:{notice.id}",
        actor_user_id=actor.user_id if actor is not None else None,
        note=f"{fee.basis['label']} {fee.basis['article']}",
    )
    _record_issued(case, payer, notice, actor, now, what)
    return notice


def _record_issued(
    case: Case, payer: CaseParty, notice: FeeNotice, actor: Principal | None, now: dt.datetime, what: dict
) -> None:
    amount = calculation.yuan(notice.amount_fen)
    due = last_day(notice)
    timeline.record(
        case,
        "fee.notice_issued",
        actor=actor,
        actor_role=messages.staff_role(actor, case.court_id),
        summary=message(
            "Notice to pay %(amount)s yuan by %(due)s (%(article)s)",
            amount=amount,
            due=due,
            article=notice.basis["article"],
        ),
        data={"notice_id": str(notice.id), "amount_fen": notice.amount_fen, "due_date": str(due)},
    )
    audit.record(
        "fee.notice_issued",
        actor=actor,
        object_type="fee_notice",
        object_id=notice.id,
        details={"case_id": str(case.id), "amount_fen": notice.amount_fen, "schedule": notice.basis["schedule"]},
    )
    messages.tell_payer(
        case,
        payer,
        "fee_notice",
        {"notice_id": str(notice.id), "amount_yuan": amount, "due_date": str(due), "what": what},
    )
    messages.court_event(
        case,
        "fee.notice_issued",
        now,
        {
            "notice_id": str(notice.id),
            "amount_fen": notice.amount_fen,
            "due_at": notice.due_at.isoformat() if notice.due_at else None,
        },
    )


def on_case_accepted(case: Case, actor: Principal) -> None:
    """The acceptance hook (app/wiring.py): the plaintiff's notice to pay."""
    issue_for_case(case, actor)
