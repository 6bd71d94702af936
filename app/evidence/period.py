"""The evidence period as parties and the court see it, a party's application to extend it, and late evidence.

Setting and extending the period (and serving its notice) is litigation's command (`app.litigation.evidence_period`,
which sits above documents); here is what evidence itself needs: whether an act is late, the period's view,
extension applications from the phone, and the court's decision on each late item.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, CaseParty, review, timeline
from app.cases import access as case_access
from app.errors import Conflict, Forbidden, ValidationFailed
from app.evidence import access as evidence_access
from app.evidence import period_events
from app.evidence import period_rules as rules
from app.evidence.models import EvidenceItem
from app.evidence.period_models import EvidencePeriod, EvidencePeriodExtension
from app.extensions import db
from app.i18n import label, message
from app.legal import deadlines
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock


def current(case_id: uuid.UUID) -> EvidencePeriod | None:
    """The case's period, if the court has set one."""
    return db.session.scalar(select(EvidencePeriod).where(EvidencePeriod.case_id == case_id))


def is_late(case: Case, at: dt.datetime | None = None) -> bool:
    """Whether evidence given now (or at `at`) comes after the case's period ended."""
    if case.kind != "litigation":
        return False
    period = current(case.id)
    return period is not None and rules.is_late(period.ends_at, at or clock.now())


def mark_late(item: EvidenceItem, reason: str | None) -> None:
    """Flag an item as late evidence (逾期举证) waiting for the court's decision."""
    item.late, item.late_reason, item.late_decision = True, reason, "pending"


def late_values(late: bool, reason: str | None) -> dict:
    """A new item's late-evidence columns, as `mark_late` sets them (or as they default when not late)."""
    if late:
        return {"late": True, "late_reason": reason, "late_decision": "pending"}
    return {"late": False}


def require_court(actor: Principal, case: Case, *roles: str) -> str:
    """The caller's court role on this case (403 for other readers); returns how they appear on the timeline."""
    if case.court_id is None or not permissions.is_court_staff(actor, case.court_id, *roles):
        raise Forbidden("Only the case's court does this.", reason="evidence_period.not_court")
    return review.staff_role(actor, case.court_id)


def ensure_open_for_period(case: Case) -> None:
    """A period is set or extended only for an accepted litigation case before its decision."""
    if case.kind != "litigation" or case.status not in rules.OPEN_STATES:
        raise Conflict(
            f"A {case.kind} case in state '{case.status}' takes no evidence period.",
            reason="evidence_period.case_not_open",
            errors={"status": [case.status]},
        )


def get(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The period with its explained deadline and the extensions (the court also sees late items to decide)."""
    case, facts = case_access.load(case_id, actor=actor)
    period = current(case.id)
    if period is None:
        raise Conflict("The court has not set an evidence period for this case.", reason="evidence_period.not_set")
    return view(case, period, facts, actor=actor)


def view(case: Case, period: EvidencePeriod, facts: CaseFacts, *, actor: Principal) -> dict:
    """The period as the API shows it to this caller."""
    court = case.court_id is not None and permissions.is_court_staff(actor, case.court_id)
    mine = permissions.parties_of(actor, facts)
    query = select(EvidencePeriodExtension).where(EvidencePeriodExtension.case_id == case.id)
    extensions = [
        extension_view(row)
        for row in db.session.scalars(query.order_by(EvidencePeriodExtension.created_at))
        if court or row.status == "granted" or row.party_id in mine
    ]
    late_items: list[dict] = []
    if court:
        pending = select(EvidenceItem).where(
            EvidenceItem.case_id == case.id,
            EvidenceItem.late.is_(True),
            EvidenceItem.late_decision == "pending",
            EvidenceItem.submitted_at.is_not(None),
        )
        late_items = [
            {"evidence_id": item.id, "title": item.title, "party_id": item.party_id, "late_reason": item.late_reason}
            for item in db.session.scalars(pending.order_by(EvidenceItem.submitted_at))
        ]
    return {
        "case_id": case.id,
        "procedure": period.procedure,
        "days": period.days,
        "extended_days": period.extended_days,
        "version": period.version,
        "set_at": period.set_at,
        "reason": period.reason,
        "last_day": period.last_day,
        "ends_at": period.ends_at,
        "ended": rules.is_late(period.ends_at, clock.now()),
        "deadline": deadlines.localized(period.deadline),  # its explanation in the reader's language
        "notice_document_ids": list(period.notice_document_ids or []),
        "extensions": extensions,
        "late_items_pending": late_items,
        "notices_missing": [],  # the court's view fills it in (app.litigation.evidence_period.court_view)
    }


def extension_view(row: EvidencePeriodExtension) -> dict:
    """One extension as the API shows it."""
    return {
        "id": row.id,
        "party_id": row.party_id,
        "requested_days": row.requested_days,
        "reason": row.reason,
        "status": row.status,
        "granted_days": row.granted_days,
        "decided_at": row.decided_at,
        "decision_reason": row.decision_reason,
        "previous_ends_at": row.previous_ends_at,
        "new_ends_at": row.new_ends_at,
        "created_at": row.created_at,
    }


def apply_for_extension(*, case_id: uuid.UUID, data: dict, actor: Principal) -> dict:
    """A party (or their lawyer) applies, before the period ends, for more days; the court decides."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    mine = permissions.parties_of(actor, facts)
    if not mine:
        raise Forbidden("Only a party, or their lawyer, applies for more time.", reason="evidence_period.not_a_party")
    party_id = data.get("party_id")
    if party_id is not None and party_id not in mine:
        raise ValidationFailed(errors={"party_id": ["You do not act for this party."]})
    if party_id is None:
        if len(mine) > 1:
            raise ValidationFailed(errors={"party_id": ["You act for several parties: name the one this is for."]})
        party_id = next(iter(mine))
    ensure_open_for_period(case)
    period = current(case.id)
    if period is None:
        raise Conflict("The court has not set an evidence period for this case.", reason="evidence_period.not_set")
    if rules.is_late(period.ends_at, clock.now()):
        raise Conflict(
            "The evidence period has ended; an extension is applied for before it ends (late evidence is still "
            "accepted, marked late, for the court to admit or refuse).",
            reason="evidence_period.ended",
            errors={"ends_at": [period.ends_at.isoformat()]},
        )
    rules.check_extension(data["days"])
    waiting = select(EvidencePeriodExtension.id).where(
        EvidencePeriodExtension.party_id == party_id, EvidencePeriodExtension.status == "pending"
    )
    if db.session.scalar(waiting) is not None:
        raise Conflict("This party already has an application waiting for the court.", reason="evidence_period.pending")
    row = EvidencePeriodExtension(
        case_id=case.id,
        period_id=period.id,
        party_id=party_id,
        applied_by_user_id=actor.user_id,
        requested_days=data["days"],
        reason=data["reason"].strip(),
        status="pending",
    )
    db.session.add(row)
    db.session.flush()
    party = db.session.get_one(CaseParty, party_id)
    role = evidence_access.actor_role(actor, facts)
    timeline.record(
        case,
        "evidence_period.extension_applied",
        actor=actor,
        actor_role=role,
        summary=message(
            "%(name)s applies to extend the evidence period by %(days)s days", name=party.name, days=row.requested_days
        ),
        reason=row.reason,
        data={"extension_id": str(row.id), "party_id": str(party_id), "days": row.requested_days},
    )
    audit.record(
        "evidence_period.extension_applied",
        actor=actor,
        object_type="evidence_period_extension",
        object_id=row.id,
        details={"case_id": str(case.id), "days": row.requested_days},
    )
    data = {"extension_id": str(row.id), "party_id": str(party_id), "days": row.requested_days}
    hooks = period_events.announce(case, "evidence_period.extension_applied", data)
    db.session.commit()
    period_events.dispatch(hooks)
    return extension_view(row)


def decide_late(*, evidence_id: uuid.UUID, admitted: bool, reason: str, actor: Principal) -> EvidenceItem:
    """The court admits or refuses a submitted late item; the decision is on the item and the timeline."""
    item, case, _facts = evidence_access.load(evidence_id, actor=actor, lock=True)
    role = require_court(actor, case)
    if not item.late:
        raise Conflict("This item was given in time; there is nothing to decide.", reason="evidence.not_late")
    if item.late_decision != "pending":
        raise Conflict(
            f"The court has already {item.late_decision} this item.",
            reason="evidence.late_decided",
            errors={"late_decision": [item.late_decision or ""]},
        )
    decision = "admitted" if admitted else "refused"
    item.late_decision, item.late_decision_reason = decision, reason.strip()
    item.late_decided_by_user_id, item.late_decided_at = actor.user_id, clock.now()
    evidence_access.custody(
        item, f"late_{decision}", actor=actor, role=role, data={"reason": item.late_decision_reason}
    )
    timeline.record(
        case,
        f"evidence.late_{decision}",
        actor=actor,
        actor_role=role,
        summary=message(
            "late evidence %(decision)s by the court: %(title)s", decision=label("decision", decision), title=item.title
        ),
        reason=item.late_decision_reason,
        data={"evidence_id": str(item.id), "party_id": str(item.party_id)},
    )
    db.session.commit()
    return item
