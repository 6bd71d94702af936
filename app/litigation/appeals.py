"""Appeals (上诉): a party (or their lawyer) appeals the served decision inside their own period, to the
first-instance court, which sees it in its queue and acknowledges it and forwards it to the appellate court.

The period is the served document's deadline (app/documents/rules.py, computed by the deadline engine); a late
appeal is a 409 `litigation.appeal_out_of_time` whose `errors.deadline` is the engine's explanation. The first
appeal moves the case adjudicated -> appealed; another party may still appeal inside their own period.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import Case, access, lifecycle, review, timeline
from app.documents import ServedDocument
from app.documents import rules as documents_rules
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.evidence import EvidenceItem, period_appeal
from app.extensions import db
from app.i18n import message
from app.legal import CalendarNotCovered
from app.litigation import effect, notices, rules, served, signals
from app.litigation.models import Appeal, LitigationDecision
from app.platform.pagination import Page, oldest_first
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock
from app.webhooks import deliveries as webhooks

APPEAL_STATES = ("filed", "acknowledged", "forwarded")


def file(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    statement: str,
    grounds: str,
    party_id: uuid.UUID | None = None,
    evidence_ids: list[uuid.UUID] | None = None,
) -> dict:
    """File an appeal for one of the caller's parties, inside that party's period."""
    case, facts = access.load(case_id, actor=actor, lock=True)
    mine = permissions.parties_of(actor, facts)
    if not mine:
        raise Forbidden("Only a party (or their lawyer) appeals.", reason="litigation.not_a_party")
    if party_id is None:
        if len(mine) != 1:
            raise ValidationFailed(errors={"party_id": ["You act for several parties: name the one appealing."]})
        party_id = next(iter(mine))
    elif party_id not in mine:
        raise ValidationFailed(errors={"party_id": ["Not a party you act for in this case."]})
    decision = _appealable_decision(case)
    document = served.served_documents(case, decision).get(party_id)
    if document is None:
        raise Conflict(
            "The decision has not been served on this party yet; the appeal period has not started.",
            reason="litigation.decision_not_served",
        )
    ends_at = _in_time(document)
    if db.session.scalar(select(Appeal.id).where(Appeal.case_id == case.id, Appeal.party_id == party_id)):
        raise Conflict("This party has already appealed.", reason="litigation.already_appealed")
    evidence = _evidence(case, mine, evidence_ids or [])
    role = "lawyer" if facts.agent_lawyers.get(party_id) == actor.user_id else "party"
    user_id = permissions.user_id_of(actor)
    assert user_id is not None and case.court_id is not None  # a party is a person; a litigation case has a court
    appeal = Appeal(
        case_id=case.id,
        court_id=case.court_id,
        party_id=party_id,
        document_id=document.id,
        filed_by_user_id=user_id,
        filed_as=role,
        statement=statement.strip(),
        grounds=grounds.strip(),
        evidence_ids=[str(e) for e in evidence],
        filed_at=clock.now(),
        deadline_ends_at=ends_at,
        status="filed",
    )
    db.session.add(appeal)
    try:
        db.session.flush()
    except IntegrityError:  # the same party's appeal raced in (where the case lock does not serialise)
        db.session.rollback()
        raise Conflict("This party has already appealed.", reason="litigation.already_appealed") from None
    data = {"appeal_id": str(appeal.id), "party_id": str(party_id)}
    period_appeal.share_with_appeal(case, evidence, actor=actor, role=role, appeal_id=appeal.id)
    if case.status == "adjudicated":
        lifecycle.transition(case, "appealed", actor=actor, actor_role=role, event="litigation.appealed", data=data)
        decision.state = "appealed"
    else:
        timeline.record(
            case, "litigation.appealed", actor=actor, actor_role=role, summary=message("Another party appealed.")
        )
    hooks = signals.announce(case, "litigation.appeal_filed", actor=actor, data=data)
    told = notices.tell(case, "litigation_appeal_filed", effect.people_to_tell(case))
    db.session.commit()
    webhooks.dispatch(hooks)
    notices.send(told)
    return view(appeal)


def _appealable_decision(case: Case) -> LitigationDecision:
    decision = db.session.scalar(select(LitigationDecision).where(LitigationDecision.case_id == case.id))
    if case.status not in ("adjudicated", "appealed") or decision is None:
        lifecycle.check(case, "appealed")  # names the current state (409 case.illegal_transition)
    assert decision is not None  # adjudicated or appealed cases have their decision
    if decision.closing_method not in rules.APPEALABLE:
        raise Conflict(
            f"A decision by {rules.closing_label(decision.closing_method)} cannot be appealed.",
            reason="case.illegal_transition",
            errors={"status": [case.status]},
        )
    return decision


def _in_time(document: ServedDocument) -> dt.datetime:
    deadline = documents_rules.deadline_for(document)
    assert deadline is not None  # a served judgment or ruling has its period
    now = clock.now()
    if not deadline.calendar_covered:
        if deadline.certainly_met_by(now):
            return deadline.earliest_ends_at
        raise CalendarNotCovered(deadline.uncovered_date or deadline.raw_end_date)
    if not deadline.is_met_by(now):
        raise Conflict(
            "The appeal period has ended.",
            reason="litigation.appeal_out_of_time",
            errors={"deadline": deadline.explanation()},
        )
    assert deadline.ends_at is not None  # covered
    return deadline.ends_at


def _evidence(case: Case, mine: set[uuid.UUID], ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The evidence offered with the appeal: stored items of this case uploaded for the caller's parties."""
    if not ids:
        return []
    rows = db.session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(ids))).all()
    usable = {row.id for row in rows if row.case_id == case.id and row.party_id in mine and row.status == "stored"}
    wrong = [str(i) for i in ids if i not in usable]
    if wrong:
        raise ValidationFailed(errors={"evidence_ids": [f"Not evidence of yours in this case: {', '.join(wrong)}"]})
    return list(dict.fromkeys(ids))


def view(appeal: Appeal) -> dict:
    """An appeal as its parties and the court see it."""
    return {name: getattr(appeal, name) for name in VIEW_FIELDS}


VIEW_FIELDS = (
    "id",
    "case_id",
    "court_id",
    "party_id",
    "document_id",
    "filed_as",
    "statement",
    "grounds",
    "evidence_ids",
    "filed_at",
    "deadline_ends_at",
    "status",
    "acknowledged_at",
    "forwarded_at",
    "court_note",
)


def for_case(case: Case) -> list[dict]:
    """Every appeal of a case, oldest first."""
    query = select(Appeal).where(Appeal.case_id == case.id).order_by(Appeal.filed_at, Appeal.id)
    return [view(row) for row in db.session.scalars(query)]


def queue(
    *, actor: Principal, status: str | None, court_id: uuid.UUID | None, cursor: str | None, limit: int | None
) -> Page:
    """Appeals at the caller's court(s), oldest filed first (default: not yet forwarded)."""
    courts = permissions.review_court_ids(actor)
    if not courts:
        raise Forbidden("Only a court's clerks, judges and court system see its appeals.", reason="court.not_staff")
    if court_id is not None:
        if court_id not in courts:
            raise NotFound("No such court.", reason="court.not_found")
        courts = [court_id]
    states = (status,) if status else ("filed", "acknowledged")
    query = select(Appeal).where(Appeal.court_id.in_(courts), Appeal.status.in_(states))
    page = oldest_first(query, at_column=Appeal.filed_at, id_column=Appeal.id, cursor=cursor, limit=limit)
    return Page(items=[view(row) for row in page.items], next_cursor=page.next_cursor)


def acknowledge(*, appeal_id: uuid.UUID, actor: Principal, note: str | None = None) -> dict:
    """The first-instance court acknowledges receipt of the appeal (收到上诉状)."""
    return _court_step(appeal_id, actor, "acknowledged", note)


def forward(*, appeal_id: uuid.UUID, actor: Principal, note: str | None = None) -> dict:
    """The first-instance court forwards the appeal and the file to the appellate court (CPL Art. 174)."""
    return _court_step(appeal_id, actor, "forwarded", note)


NEXT = {"acknowledged": ("filed",), "forwarded": ("filed", "acknowledged")}


def _court_step(appeal_id: uuid.UUID, actor: Principal, target: str, note: str | None) -> dict:
    appeal = db.session.scalar(select(Appeal).where(Appeal.id == appeal_id).with_for_update())
    if appeal is None or not permissions.is_court_staff(actor, appeal.court_id):
        raise NotFound("No such appeal.", reason="litigation.appeal_not_found")
    if appeal.status not in NEXT[target]:
        raise Conflict(
            f"An appeal in state '{appeal.status}' cannot become '{target}'.",
            reason="litigation.appeal_illegal_transition",
            errors={"status": [appeal.status]},
        )
    case = db.session.get_one(Case, appeal.case_id)
    now = clock.now()
    appeal.status = target
    if target == "acknowledged":
        appeal.acknowledged_at = now
    else:
        appeal.acknowledged_at, appeal.forwarded_at = appeal.acknowledged_at or now, now
    if note:
        appeal.court_note = note.strip()
    role = review.staff_role(actor, appeal.court_id)
    words = {
        "acknowledged": message("The appeal was acknowledged by the court."),
        "forwarded": message("The appeal was forwarded to the appellate court."),
    }
    timeline.record(
        case,
        f"litigation.appeal_{target}",
        actor=actor,
        actor_role=role,
        summary=words[target],
        reason=note,
        data={"appeal_id": str(appeal.id)},
    )
    event = "litigation.appeal_acknowledged" if target == "acknowledged" else "litigation.appeal_forwarded"
    hooks = signals.announce(
        case, event, actor=actor, data={"appeal_id": str(appeal.id)}, object_type="appeal", object_id=appeal.id
    )
    db.session.commit()
    webhooks.dispatch(hooks)
    return view(appeal)
