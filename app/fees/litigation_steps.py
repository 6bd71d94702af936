"""Fees that litigation's later steps change (connected to `app.litigation.step_hooks` in app/wiring.py).

- Half the acceptance fee (Measures Art. 15) when an accepted case ends by a mediation statement (调解书, once it is
  in effect: served on every party) or by withdrawal permitted (准予撤诉): the payer's ledger gets a `reduced` entry
  for half of what the acceptance fee still asks of them (reference `art15:<notice id>`, so a step seen twice
  books once). What the payer paid beyond the half is then money held for them; payments turns it into a refund
  the court approves (app/payments/surplus.py).
- The appeal fee (Art. 17, paid on filing the appeal, Art. 20): the appellant gets a notice to pay, on the
  first-instance standard of the case's schedule for the amount claimed at first instance (the court corrects the
  schedule or the appealed amount with the notice's recalculation, Art. 21), with the same 7-day period.
"""

from __future__ import annotations

import uuid
from fractions import Fraction

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty, timeline
from app.extensions import db
from app.fees import calculation, ledger, messages, notices
from app.fees import schedule as fee_schedule
from app.fees.models import FeeNotice, LedgerEntry
from app.i18n import message
from app.security.permissions import Principal
from app.utils import clock

HALVING = {  # (step, closing method) -> the halving rule of the data file
    ("litigation.closed", "withdrawal_permitted"): "withdrawal",
    ("litigation.effective", "mediation"): "mediated_settlement",
}


def on_litigation_step(case: Case, event_type: str, data: dict, actor: Principal | None) -> None:
    """The hook: halve the acceptance fee, or bill the appeal."""
    if case.kind != "litigation":
        return
    rule = HALVING.get((event_type, str(data.get("closing_method"))))
    if rule is not None:
        halve_acceptance_fee(case, rule, actor)
    elif event_type == "litigation.appeal_filed" and data.get("party_id"):
        party = db.session.get(CaseParty, uuid.UUID(str(data["party_id"])))
        if party is not None and party.case_id == case.id:
            issue_appeal_notice(case, party, actor)


def halve_acceptance_fee(case: Case, rule: str, actor: Principal | None) -> LedgerEntry | None:
    """Book Art. 15's half for the acceptance notice's payer (once); None when nothing is owed."""
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == case.id, FeeNotice.purpose == "acceptance"))
    if notice is None or notice.status == "treated_as_withdrawn":
        return None
    reference = f"art15:{notice.id}"
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.reference == reference)) is not None:
        return None
    owed = _acceptance_owed(notice)
    if owed <= 0:
        return None
    halving = fee_schedule.load()["halving"][rule]
    half = calculation.round_fen(Fraction(owed, 2))
    reduction = owed - half
    if reduction <= 0:
        return None
    entry = ledger.post(
        case_id=case.id,
        party_id=notice.party_id,
        kind="reduced",
        amount_fen=reduction,
        reference=reference,
        actor_user_id=actor.user_id if actor is not None else None,
        note=(
            f"{halving['article']} {halving['label']}: {calculation.yuan(owed)} / 2 = {calculation.yuan(half)} yuan "
            f"payable, {calculation.yuan(reduction)} yuan reduced"
        ),
    )
    details = {"notice_id": str(notice.id), "rule": rule, "owed_fen": owed, "reduced_fen": reduction}
    timeline.record(
        case,
        "fee.halved",
        actor=actor,
        actor_role=messages.staff_role(actor, case.court_id) if actor is not None else "system",
        summary=message(
            "Filing fee halved (%(article)s): %(amount)s yuan to pay",
            article=halving["article"],
            amount=calculation.yuan(half),
        ),
        data=details,
    )
    audit.record("fee.halved", actor=actor, object_type="fee_notice", object_id=notice.id, details=details)
    payer = db.session.get(CaseParty, notice.party_id)
    if payer is not None:
        what = messages.halved(halving["article"])
        messages.tell_payer(case, payer, "fee_decision", {"amount_yuan": calculation.yuan(half), "what": what})
    messages.court_event(
        case, "fee.halved", clock.now(), {"notice_id": str(notice.id), "amount_fen": reduction, "kind": rule}
    )
    return entry


def _acceptance_owed(notice: FeeNotice) -> int:
    """What the acceptance fee asks of its payer now: the payer's owed, less any appeal notice's own fee."""
    totals = ledger.balance(notice.case_id, notice.party_id)
    appeal = db.session.scalar(
        select(FeeNotice.original_amount_fen).where(
            FeeNotice.case_id == notice.case_id, FeeNotice.party_id == notice.party_id, FeeNotice.purpose == "appeal"
        )
    )
    return totals["owed"] - int(appeal or 0)


def issue_appeal_notice(case: Case, party: CaseParty, actor: Principal | None) -> FeeNotice | None:
    """The appellant's notice to pay the appeal fee (once per party)."""
    data = fee_schedule.load()
    name = calculation.schedule_for_case(case.category, case.amount, data)
    fee = calculation.calculate(name, case.amount, appeal=True, data=data)
    return notices.issue(
        case, party, fee, actor, purpose="appeal", trigger="fee.notice.appeal", what=messages.what(messages.APPEAL_FEE)
    )
