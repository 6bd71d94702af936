"""The court corrects a notice's fee: another schedule (the case's category chose wrongly, a divorce with property
divided, an IP case without an amount ...) or another amount (a claim raised or lowered, Measures Art. 21). The
difference goes to the ledger (`adjusted` up, `reduced` down), the basis is replaced, and a higher fee gives the
payer a fresh period to pay the rest."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from app.audit import log as audit
from app.cases import Case, CaseParty, timeline
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.fees import calculation, ledger, messages, notices, queries
from app.fees import overdue as fee_overdue
from app.fees import schedule as fee_schedule
from app.fees.models import FeeNotice
from app.i18n import message
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

CORRECTABLE = ("unpaid", "deferred", "paid")


def recalculate(*, notice_id: uuid.UUID, actor: Principal, schedule: str, amount: Decimal | None, reason: str) -> dict:
    """Recompute a notice's fee on another schedule or amount (court staff; audited)."""
    if not reason.strip():
        raise ValidationFailed(errors={"reason": ["Say why the fee is corrected."]})
    notice, case = fee_overdue.load_for_court(notice_id, actor)
    if notice.status not in CORRECTABLE:
        raise Conflict(f"The notice is {notice.status}.", reason="fees.notice_not_open")
    try:
        fee = calculation.calculate(schedule, amount)
    except calculation.AmountError as exc:
        raise ValidationFailed(errors={"amount": [str(exc)]}) from None
    except KeyError:
        raise ValidationFailed(errors={"schedule": ["Unknown schedule."]}) from None
    difference = fee.amount_fen - notice.original_amount_fen
    if difference == 0 and fee.basis["schedule"] == notice.basis.get("schedule"):
        raise Conflict("The fee is already this.", reason="fees.unchanged")
    now = clock.now()
    if difference:
        ledger.post(
            case_id=case.id,
            party_id=notice.party_id,
            kind="adjusted" if difference > 0 else "reduced",
            amount_fen=abs(difference),
            reference=f"recalc:{uuid.uuid4()}",
            actor_user_id=permissions.user_id_of(actor),
            note=f"fee corrected: {reason.strip()[:200]}",
        )
    previous = notice.original_amount_fen
    notice.original_amount_fen, notice.basis = fee.amount_fen, fee.basis
    outstanding = ledger.balance(case.id, notice.party_id)["outstanding"]
    if difference > 0 and outstanding > 0:  # more to pay: a fresh period (Art. 21, 22)
        period = int(fee_schedule.load()["notice"]["period_days"])
        notice.due_at, notice.deadline = notices.compute_due(now, period, "fee.corrected")
        notice.reminders_sent, notice.overdue_flagged_at = [], None
        if notice.status == "paid":
            notice.status, notice.settled_at = "unpaid", None
    _record(case, notice, actor, previous, reason.strip(), now)
    db.session.commit()
    return queries.describe_notice(notice, case=case)


def _record(case: Case, notice: FeeNotice, actor: Principal, previous: int, reason: str, now: dt.datetime) -> None:
    data = {"notice_id": str(notice.id), "from_fen": previous, "to_fen": notice.original_amount_fen}
    timeline.record(
        case,
        "fee.notice_recalculated",
        actor=actor,
        actor_role=messages.staff_role(actor, case.court_id),
        summary=message(
            "Fee corrected from %(previous)s to %(amount)s yuan (%(article)s)",
            previous=calculation.yuan(previous),
            amount=calculation.yuan(notice.original_amount_fen),
            article=notice.basis["article"],
        ),
        reason=reason,
        data=data,
    )
    audit.record(
        "fee.notice_recalculated",
        actor=actor,
        object_type="fee_notice",
        object_id=notice.id,
        details={**data, "schedule": notice.basis["schedule"]},
    )
    party = db.session.get(CaseParty, notice.party_id)
    if party is not None:
        messages.tell_payer(
            case,
            party,
            "fee_decision",
            {
                "notice_id": str(notice.id),
                "amount_yuan": calculation.yuan(notice.amount_fen),
                "due_date": str(notices.last_day(notice)),
                "what": messages.what(messages.AMOUNT_CORRECTED),
            },
        )
    messages.court_event(case, "fee.notice_recalculated", now, data)
