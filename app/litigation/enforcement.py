"""Enforcement applications (申请执行): from an effective judgment or mediation statement, or a confirmed mediation
agreement, a party applies within the two-year limitation (CPL Art. 250) to an enforcement court, naming property
clues; that court accepts it with an enforcement case number ((2027)浙0212执123号) or rejects it with reasons.

An application is a row linked to the case it enforces, not a new Case: the applicant follows every step on that
case's timeline, and the 执 number comes from the same gap-free sequences as every other case number.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import Case, CaseParty, access, numbers, review, timeline
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import message
from app.identity import Court
from app.legal import CalendarNotCovered, Deadline, load_overrides
from app.litigation import notices, rules, signals
from app.litigation.models import EnforcementApplication, LitigationDecision
from app.platform.pagination import Page, oldest_first
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock
from app.webhooks import deliveries as webhooks

STATES = ("submitted", "accepted", "rejected")


def limitation(case: Case) -> Deadline:
    """The limitation period of the case's enforceable title; 409 when the case has none (yet)."""
    if case.kind == "mediation" and case.status == "confirmed" and case.closed_at is not None:
        source, effective_at, days = "judicial_confirmation", case.closed_at, None
    else:
        decision = db.session.scalar(select(LitigationDecision).where(LitigationDecision.case_id == case.id))
        ok = decision is not None and decision.closing_method in rules.ENFORCEABLE and case.status == "effective"
        if not ok or decision is None or decision.effective_at is None:
            raise Conflict(
                f"Nothing in this case can be enforced in state '{case.status}': enforcement needs an effective "
                "judgment or mediation statement, or a confirmed mediation agreement.",
                reason="enforcement.not_enforceable",
                errors={"status": [case.status]},
            )
        source = "judgment" if decision.closing_method == "judgment" else "mediation_document"
        effective_at, days = decision.effective_at, decision.performance_days
    return rules.enforcement_limitation(
        effective_at=effective_at, performance_days=days, source=source, overrides=load_overrides()
    )


def _in_time(deadline: Deadline, now: dt.datetime) -> dt.datetime:
    if not deadline.calendar_covered:
        if deadline.certainly_met_by(now):
            return deadline.earliest_ends_at
        raise CalendarNotCovered(deadline.uncovered_date or deadline.raw_end_date)
    if not deadline.is_met_by(now):
        raise Conflict(
            "The two-year period for applying for enforcement has ended.",
            reason="enforcement.out_of_time",
            errors={"deadline": deadline.explanation()},
        )
    assert deadline.ends_at is not None  # covered
    return deadline.ends_at


def apply(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    request: str,
    property_clues: list[dict],
    party_id: uuid.UUID | None = None,
    court_id: uuid.UUID | None = None,
) -> dict:
    """A party applies for enforcement to the named court (default: the case's court)."""
    case, facts = access.load(case_id, actor=actor, lock=True)
    mine = permissions.parties_of(actor, facts)
    if not mine:
        raise Forbidden("Only a party (or their lawyer) applies for enforcement.", reason="enforcement.not_a_party")
    if party_id is None and len(mine) == 1:
        party_id = next(iter(mine))
    if party_id is None or party_id not in mine:
        raise ValidationFailed(errors={"party_id": ["Name the party you act for in this case."]})
    now = clock.now()
    ends_at = _in_time(limitation(case), now)
    court = db.session.get(Court, court_id or case.court_id) if (court_id or case.court_id) else None
    if court is None:
        raise ValidationFailed(errors={"court_id": ["No such court."]})
    open_one = select(EnforcementApplication.id).where(
        EnforcementApplication.origin_case_id == case.id,
        EnforcementApplication.applicant_party_id == party_id,
        EnforcementApplication.status.in_(("submitted", "accepted")),
    )
    if db.session.scalar(open_one) is not None:
        raise Conflict("This party already has an enforcement application open.", reason="enforcement.already_applied")
    user_id = permissions.user_id_of(actor)
    assert user_id is not None  # parties are people
    row = EnforcementApplication(
        origin_case_id=case.id,
        court_id=court.id,
        applicant_party_id=party_id,
        applied_by_user_id=user_id,
        request=request.strip(),
        property_clues=[{k: str(v).strip() for k, v in clue.items()} for clue in property_clues],
        applied_at=now,
        limitation_ends_at=ends_at,
        status="submitted",
    )
    db.session.add(row)
    db.session.flush()
    role = "lawyer" if facts.agent_lawyers.get(party_id) == user_id else "party"
    data = {"application_id": str(row.id), "court_id": str(court.id)}
    timeline.record(
        case,
        "enforcement.applied",
        actor=actor,
        actor_role=role,
        summary=message("Enforcement applied for at %(court)s.", court=court.name),
        data=data,
    )
    hooks = signals.announce(
        case,
        "enforcement.applied",
        actor=actor,
        data=data,
        court_id=court.id,
        object_type="enforcement_application",
        object_id=row.id,
    )
    db.session.commit()
    webhooks.dispatch(hooks)
    return view(row)


def view(row: EnforcementApplication) -> dict:
    """An application as the applicant and the enforcement court see it."""
    return {name: getattr(row, name) for name in VIEW_FIELDS}


VIEW_FIELDS = (
    "id",
    "origin_case_id",
    "court_id",
    "applicant_party_id",
    "request",
    "property_clues",
    "applied_at",
    "limitation_ends_at",
    "status",
    "case_number",
    "decided_at",
    "decision_reason",
)


def for_case(case: Case) -> list[dict]:
    """Every application from a case, oldest first."""
    query = select(EnforcementApplication).where(EnforcementApplication.origin_case_id == case.id)
    return [view(row) for row in db.session.scalars(query.order_by(EnforcementApplication.applied_at))]


def queue(
    *, actor: Principal, status: str | None, court_id: uuid.UUID | None, cursor: str | None, limit: int | None
) -> Page:
    """Applications at the caller's court(s), oldest first (default: waiting for a decision)."""
    courts = permissions.review_court_ids(actor)
    if not courts:
        raise Forbidden("Only a court's staff see its enforcement applications.", reason="court.not_staff")
    if court_id is not None:
        if court_id not in courts:
            raise NotFound("No such court.", reason="court.not_found")
        courts = [court_id]
    query = select(EnforcementApplication).where(
        EnforcementApplication.court_id.in_(courts), EnforcementApplication.status == (status or "submitted")
    )
    page = oldest_first(
        query,
        at_column=EnforcementApplication.applied_at,
        id_column=EnforcementApplication.id,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[view(row) for row in page.items], next_cursor=page.next_cursor)


def _load(application_id: uuid.UUID, actor: Principal) -> EnforcementApplication:
    query = select(EnforcementApplication).where(EnforcementApplication.id == application_id)
    row = db.session.scalar(query.with_for_update())
    if row is None or not permissions.is_court_staff(actor, row.court_id):
        raise NotFound("No such enforcement application.", reason="enforcement.not_found")
    if row.status != "submitted":
        raise Conflict(
            f"The application is already '{row.status}'.",
            reason="enforcement.already_decided",
            errors={"status": [row.status]},
        )
    return row


def accept(*, application_id: uuid.UUID, actor: Principal) -> dict:
    """Accept the application (执行立案) with a new enforcement case number of the enforcement court."""
    row = _load(application_id, actor)
    row.case_number = numbers.assign(court_id=row.court_id, type_code=rules.ENFORCEMENT_TYPE_CODE)
    return _decide(row, actor, "accepted", None)


def reject(*, application_id: uuid.UUID, actor: Principal, reason: str) -> dict:
    """Refuse the application (不予受理), with the reasons."""
    if not reason.strip():
        raise ValidationFailed(errors={"reason": ["Give the reasons."]})
    return _decide(_load(application_id, actor), actor, "rejected", reason.strip())


def _decide(row: EnforcementApplication, actor: Principal, status: str, reason: str | None) -> dict:
    row.status, row.decided_at, row.decided_by, row.decision_reason = status, clock.now(), actor.scope, reason
    case = db.session.get_one(Case, row.origin_case_id)
    data = {"application_id": str(row.id), "court_id": str(row.court_id), "enforcement_case_number": row.case_number}
    summary = (
        message("Enforcement accepted: %(number)s.", number=row.case_number)
        if status == "accepted"
        else message("Enforcement application rejected.")
    )
    timeline.record(
        case,
        f"enforcement.{status}",
        actor=actor,
        actor_role=review.staff_role(actor, row.court_id),
        summary=summary,
        reason=reason,
        data=data,
    )
    hooks = signals.announce(
        case,
        f"enforcement.{status}",
        actor=actor,
        data=data,
        court_id=row.court_id,
        object_type="enforcement_application",
        object_id=row.id,
    )
    applicant = db.session.get(CaseParty, uuid.UUID(str(row.applicant_party_id)))  # a str until reloaded
    people = (row.applied_by_user_id, applicant.user_id if applicant else None)
    told = notices.tell(case, f"enforcement_{status}", people, number=row.case_number or "")
    try:
        db.session.commit()
    except IntegrityError:  # the sequence's next number is held by a number made elsewhere
        db.session.rollback()
        raise Conflict(
            "The next enforcement number is already used; nothing was changed.", reason="case.number_taken"
        ) from None
    webhooks.dispatch(hooks)
    notices.send(told)
    return view(row)
