"""Deferral, reduction and waiver of litigation fees (缓交、减交、免交, Measures Ch. 6, Arts. 44-51).

The payer (or their lawyer) applies from the phone with reasons and evidence ids; the court's staff decide:
grant, partial or refuse (refusal needs written reasons, Art. 48). Waiver is for natural persons only (Art. 44);
a reduction is at least 30% of what is owed (Art. 46). A decision posts `deferred`, `reduced` or `waived` to the
ledger, changes the notice's amount and deadline, and tells the party. After a reduction, a partial grant or a
refusal the payer gets a fresh period of the notice's length (7 days from the day after the decision).
"""

from __future__ import annotations

import datetime as dt
import uuid
from fractions import Fraction

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty, access, review, timeline
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.evidence import EvidenceItem
from app.extensions import db
from app.fees import calculation, ledger, messages, notices, queries
from app.fees import schedule as fee_schedule
from app.fees.models import RELIEF_KINDS, FeeNotice, FeeRelief
from app.i18n import label, message
from app.legal import deadlines
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

DECISIONS = ("grant", "partial", "refuse")
LEDGER_KIND = {"deferral": "deferred", "reduction": "reduced", "waiver": "waived"}


def apply(
    *,
    notice_id: uuid.UUID,
    actor: Principal,
    kind: str,
    reasons: str,
    evidence_ids: list[uuid.UUID],
    requested_amount_fen: int | None = None,
    requested_until: dt.date | None = None,
) -> dict:
    """The payer applies for deferral, reduction or waiver of a notice's fee."""
    notice = db.session.get(FeeNotice, notice_id)
    if notice is None:
        raise NotFound("No such fee notice.", reason="fees.notice_not_found")
    case, facts = access.load(notice.case_id, actor=actor, lock=True)
    if notice.party_id not in permissions.parties_of(actor, facts):
        raise Forbidden("Only the payer (or their lawyer) applies.", reason="fees.not_payer")
    if notice.status not in ("unpaid", "deferred"):
        raise Conflict(f"The notice is {notice.status}.", reason="fees.notice_not_open")
    outstanding = ledger.balance(case.id, notice.party_id)["outstanding"]
    _check_application(case, notice, kind, reasons, evidence_ids, requested_amount_fen, requested_until, outstanding)
    if db.session.scalar(select(FeeRelief.id).where(FeeRelief.notice_id == notice.id, FeeRelief.status == "pending")):
        raise Conflict("An application for this notice already awaits a decision.", reason="fees.relief_pending")
    user_id = permissions.user_id_of(actor)
    assert user_id is not None  # only a person is a party or a party's lawyer
    relief = FeeRelief(
        notice_id=notice.id,
        case_id=case.id,
        party_id=notice.party_id,
        kind=kind,
        reasons=reasons.strip(),
        evidence_ids=[str(item) for item in evidence_ids],
        requested_amount_fen=requested_amount_fen,
        requested_until=requested_until,
        applied_by_user_id=user_id,
        status="pending",
    )
    db.session.add(relief)
    db.session.flush()
    timeline.record(
        case,
        "fee.relief_applied",
        actor=actor,
        actor_role="party",
        summary=message("Application for fee %(kind)s", kind=label("fee.relief", kind)),
        data={"relief_id": str(relief.id), "kind": kind},
    )
    audit.record(
        "fee.relief_applied", actor=actor, object_type="fee_relief", object_id=relief.id, details={"kind": kind}
    )
    db.session.commit()
    return queries.describe_relief(relief)


def _check_application(
    case: Case,
    notice: FeeNotice,
    kind: str,
    reasons: str,
    evidence_ids: list[uuid.UUID],
    amount: int | None,
    until: dt.date | None,
    outstanding: int,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in RELIEF_KINDS:
        errors["kind"] = [f"One of {', '.join(RELIEF_KINDS)}."]
    if not reasons.strip():
        errors["reasons"] = ["Say why paying is difficult (Measures Art. 48)."]
    if kind == "waiver":
        party = db.session.get(CaseParty, notice.party_id)
        if party is not None and party.party_type != "person":
            errors["kind"] = ["Only natural persons may have fees waived (Measures Art. 44)."]
    if kind == "reduction":
        minimum = _min_reduction(outstanding)
        if amount is None or not minimum <= amount <= outstanding:
            errors["requested_amount_fen"] = [f"A reduction of {minimum} to {outstanding} fen (at least 30%)."]
    if kind == "deferral" and (until is None or until <= clock.now_shanghai().date()):
        errors["requested_until"] = ["A date after today."]
    if evidence_ids:
        found = set(
            db.session.scalars(
                select(EvidenceItem.id).where(EvidenceItem.id.in_(evidence_ids), EvidenceItem.case_id == case.id)
            )
        )
        missing = [str(item) for item in evidence_ids if item not in found]
        if missing:
            errors["evidence_ids"] = [f"Not evidence of this case: {', '.join(missing)}."]
    if outstanding <= 0:
        errors["notice"] = ["Nothing is outstanding."]
    if errors:
        raise ValidationFailed(errors=errors)


def _min_reduction(owed: int) -> int:
    ratio = Fraction(str(fee_schedule.load().get("relief", {}).get("min_reduction_ratio", "0.3")))
    return -((-owed * ratio.numerator) // ratio.denominator)  # ceiling: at least 30%


def decide(
    *,
    relief_id: uuid.UUID,
    actor: Principal,
    decision: str,
    reason: str | None = None,
    amount_fen: int | None = None,
    until: dt.date | None = None,
) -> dict:
    """The court decides an application (audited); the ledger, the notice and the party follow."""
    relief = db.session.get(FeeRelief, relief_id)
    if relief is None:
        raise NotFound("No such application.", reason="fees.relief_not_found")
    case, _facts = review.load_for_review(case_id=relief.case_id, actor=actor)
    db.session.refresh(relief, with_for_update=True)
    notice = db.session.get(FeeNotice, relief.notice_id, with_for_update=True)
    assert notice is not None
    if relief.status != "pending":
        raise Conflict(f"The application was already decided ({relief.status}).", reason="fees.relief_decided")
    outstanding = ledger.balance(case.id, relief.party_id)["outstanding"]
    kind, effect = _effect(relief, decision, reason, amount_fen, until, outstanding)
    now = clock.now()
    relief.status, relief.decided_at, relief.decision_reason = (
        "refused" if decision == "refuse" else "granted" if decision == "grant" else "partial",
        now,
        (reason or "").strip() or None,
    )
    relief.decided_by_user_id = permissions.user_id_of(actor)
    _apply_effect(case, notice, relief, kind, effect, actor, now)
    _record_decision(case, notice, relief, actor, now)
    db.session.commit()
    return queries.describe_relief(relief)


def _effect(
    relief: FeeRelief, decision: str, reason: str | None, amount: int | None, until: dt.date | None, outstanding: int
) -> tuple[str, int | dt.date | None]:
    """(what the ledger gets: deferred/reduced/waived/none, the amount or date)."""
    if decision not in DECISIONS:
        raise ValidationFailed(errors={"decision": [f"One of {', '.join(DECISIONS)}."]})
    if decision == "refuse":
        if not (reason or "").strip():
            raise ValidationFailed(errors={"reason": ["A refusal gives its reasons in writing (Measures Art. 48)."]})
        return "none", None
    if relief.kind == "deferral":
        chosen = until if decision == "partial" else (until or relief.requested_until)
        if chosen is None or chosen <= clock.now_shanghai().date():
            raise ValidationFailed(errors={"until": ["A date after today."]})
        return "deferred", chosen
    if relief.kind == "waiver" and decision == "grant":
        return "waived", outstanding
    chosen_amount = (
        amount if decision == "partial" or relief.requested_amount_fen is None else relief.requested_amount_fen
    )
    if relief.kind == "waiver" and decision == "partial":
        chosen_amount = amount
    minimum = _min_reduction(outstanding)
    if chosen_amount is None or not minimum <= chosen_amount <= outstanding:
        raise ValidationFailed(
            errors={"amount_fen": [f"A reduction of {minimum} to {outstanding} fen (at least 30%)."]}
        )
    return "reduced", chosen_amount


def _apply_effect(
    case: Case,
    notice: FeeNotice,
    relief: FeeRelief,
    kind: str,
    effect: int | dt.date | None,
    actor: Principal,
    now: dt.datetime,
) -> None:
    reference = f"relief:{relief.id}"
    actor_id = permissions.user_id_of(actor)
    outstanding = ledger.balance(case.id, notice.party_id)["outstanding"]
    if kind == "deferred":
        assert isinstance(effect, dt.date)
        relief.granted_until = effect
        days = (effect - now.astimezone(clock.SHANGHAI).date()).days
        ledger.post(
            case_id=case.id,
            party_id=notice.party_id,
            kind="deferred",
            amount_fen=outstanding,
            reference=reference,
            actor_user_id=actor_id,
            note=f"deferred until {effect}",
        )
        notice.due_at, notice.deadline = notices.compute_due(now, days, "fee.deferred")
        notice.status = "deferred"
    elif kind in ("reduced", "waived"):
        assert isinstance(effect, int)
        relief.granted_amount_fen = effect
        ledger.post(
            case_id=case.id,
            party_id=notice.party_id,
            kind=kind,
            amount_fen=effect,
            reference=reference,
            actor_user_id=actor_id,
            note=f"{relief.kind} decided",
        )
    if kind != "waived" and kind != "deferred" and notice.status in ("unpaid", "deferred"):
        period = int(fee_schedule.load()["notice"]["period_days"])
        decided = deadlines.trigger("fee.relief_decided", decision=relief.status)
        notice.due_at, notice.deadline = notices.compute_due(now, period, decided)
    notice.reminders_sent, notice.overdue_flagged_at = [], None


def _record_decision(case: Case, notice: FeeNotice, relief: FeeRelief, actor: Principal, now: dt.datetime) -> None:
    due = notices.last_day(notice)
    facts = {
        "kind": label("fee.relief", relief.kind),
        "status": label("decision", relief.status),
        "amount": calculation.yuan(notice.amount_fen),
    }
    if notice.status in ("unpaid", "deferred"):
        summary = message("Fee %(kind)s %(status)s; to pay %(amount)s yuan by %(due)s", **facts, due=due)
    else:
        summary = message("Fee %(kind)s %(status)s; to pay %(amount)s yuan", **facts)
    timeline.record(
        case,
        "fee.relief_decided",
        actor=actor,
        actor_role=messages.staff_role(actor, case.court_id),
        summary=summary,
        reason=relief.decision_reason,
        data={"relief_id": str(relief.id), "status": relief.status, "amount_fen": notice.amount_fen},
    )
    audit.record(
        "fee.relief_decided",
        actor=actor,
        object_type="fee_relief",
        object_id=relief.id,
        details={
            "kind": relief.kind,
            "status": relief.status,
            "granted_amount_fen": relief.granted_amount_fen,
            "granted_until": relief.granted_until.isoformat() if relief.granted_until else None,
        },
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
                "due_date": str(due),
                "what": messages.what(messages.RELIEF_DECIDED[relief.kind]),
            },
        )
    messages.court_event(
        case, "fee.relief_decided", now, {"relief_id": str(relief.id), "kind": relief.kind, "status": relief.status}
    )
