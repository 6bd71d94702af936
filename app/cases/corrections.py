"""Corrections (补正): the court asks the filer to correct a filing by a due date, and the filer answers."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select

from app.cases import access as case_access
from app.cases import queries as case_queries
from app.cases import review as court_review
from app.cases import timeline as case_timeline
from app.cases.models import FILER_ROLES, Case, CaseParty, CorrectionRequest
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.legal import calendar, deadlines
from app.platform import settings
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

ANSWERABLE_FIELDS = ("title", "claims", "facts", "amount", "category")


def request_correction(
    *, case_id: uuid.UUID, actor: Principal, items: list[str], due_days: int, note: str | None = None
) -> dict:
    """Court staff ask the filer to correct the filing; the review clock stops until the answer."""
    case, facts = court_review.load_for_review(case_id=case_id, actor=actor)
    cleaned = [item.strip() for item in items]
    _check_request(cleaned, due_days)
    note = (note or "").strip() or None
    event = court_review.record_transition(
        case,
        "correction_requested",
        actor=actor,
        actor_role=court_review.staff_role(actor, court_review.review_court(case)),
        event="case.correction_requested",
        reason="; ".join(cleaned) + (f" ({note})" if note else ""),
    )
    due_at, explanation = _due_at(clock.now(), due_days)
    db.session.add(
        CorrectionRequest(case_id=case.id, items=cleaned, note=note, due_at=due_at, requested_by=actor.user_id)
    )
    case.review_due_at = None
    local_due = due_at.astimezone(clock.SHANGHAI)
    words = message(
        "%(previous)s -> %(target)s: %(count)s item(s), due %(due)s Asia/Shanghai",
        previous=label("case.state", event.from_status),
        target=label("case.state", event.to_status),
        count=len(cleaned),
        due=f"{local_due:%Y-%m-%d %H:%M}",
    )
    data = {"items": cleaned, "due_days": due_days, "due_at": due_at.isoformat(), "explanation": explanation}
    case_timeline.retell(event, words, data=data)
    db.session.commit()
    return case_queries.describe(case, facts, actor=actor)


def _check_request(items: list[str], due_days: int) -> None:
    errors: dict[str, list[str]] = {}
    if not items:
        errors["items"] = ["Name at least one thing to correct."]
    for number, item in enumerate(items):
        if not item:
            errors[f"items.{number}"] = ["Must not be blank."]
    longest = settings.cases().correction_max_days
    if not 1 <= due_days <= longest:
        errors["due_days"] = [f"Must be between 1 and {longest} days."]
    if errors:
        raise ValidationFailed(errors=errors)


def _due_at(now: dt.datetime, days: int) -> tuple[dt.datetime, list[str]]:
    """24:00 Asia/Shanghai of the last day, rolled past rest days and holidays (CPL Art. 85)."""
    deadline = deadlines.compute_deadline(
        trigger_at=now,
        period_days=days,
        trigger_label="correction.requested",
        period_label="period to correct the filing (补正)",
        overrides=calendar.load_overrides(),
    )
    if deadline.ends_at is not None:
        return deadline.ends_at.astimezone(dt.UTC), deadline.explanation()
    # Beyond the holiday calendar: the plain period, not rolled forward, and the record says so.
    end = dt.datetime.combine(deadline.raw_end_date + dt.timedelta(days=1), dt.time(0), tzinfo=clock.SHANGHAI)
    note = "Not rolled forward: the holiday calendar does not cover the last day yet."
    return end.astimezone(dt.UTC), [*deadline.explanation(), note]


def open_request(case: Case) -> CorrectionRequest | None:
    """The latest unanswered correction request of a case."""
    query = select(CorrectionRequest).where(
        CorrectionRequest.case_id == case.id, CorrectionRequest.answered_at.is_(None)
    )
    return db.session.scalar(query.order_by(CorrectionRequest.created_at.desc()).limit(1))


def answer_correction(*, case_id: uuid.UUID, actor: Principal, note: str, changes: dict) -> dict:
    """The filer side answers the open correction request; the filing goes back to the court for review."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    filer_parties = set(
        db.session.scalars(select(CaseParty.id).where(CaseParty.case_id == case.id, CaseParty.role.in_(FILER_ROLES)))
    )
    if not permissions.is_filer_side(actor, facts, filer_parties):
        raise Forbidden(
            "Only the party who brought the case, or their lawyer, can answer a correction request.",
            reason="case.not_filer",
        )
    changes = {name: value for name, value in changes.items() if name in ANSWERABLE_FIELDS}
    _check_answer(note, changes)
    role = "lawyer" if "agent" in permissions.case_relations(actor, facts) else "party"
    event = court_review.record_transition(
        case, "submitted", actor=actor, actor_role=role, event="case.correction_answered", reason=note.strip()
    )
    request = open_request(case)
    if request is None:
        db.session.rollback()
        raise Conflict("This case has no open correction request.", reason="case.no_open_correction")
    now = clock.now()
    previous = _apply(case, changes)
    late = now > request.due_at
    request.answered_at = now
    request.answer = {
        "note": note.strip(),
        "changed": {name: _json(getattr(case, name)) for name in previous},
        "previous": {name: _json(value) for name, value in previous.items()},
        "late": late,
        "answered_by": str(actor.user_id),
    }
    case.review_due_at = now + dt.timedelta(days=settings.cases().filing_review_days)
    states = {"previous": label("case.state", event.from_status), "target": label("case.state", event.to_status)}
    changed = ", ".join(sorted(previous))
    if changed and late:
        words = message(
            "%(previous)s -> %(target)s: correction answered late (changed %(changed)s)", **states, changed=changed
        )
    elif changed:
        words = message(
            "%(previous)s -> %(target)s: correction answered (changed %(changed)s)", **states, changed=changed
        )
    elif late:
        words = message("%(previous)s -> %(target)s: correction answered late (nothing changed)", **states)
    else:
        words = message("%(previous)s -> %(target)s: correction answered (nothing changed)", **states)
    data = {"correction_id": str(request.id), "changed": sorted(previous), "late": late}
    case_timeline.retell(event, words, data=data)
    db.session.commit()
    return case_queries.describe(case, facts, actor=actor)


def _check_answer(note: str, changes: dict) -> None:
    """The same rules a filing meets, for the fields the answer changes."""
    errors: dict[str, list[str]] = {}
    if not note.strip():
        errors["note"] = ["Say what was corrected."]
    for name in ("title", "claims", "facts"):
        if name in changes and len(changes[name].strip()) < 2:
            errors[name] = ["Must not be blank."]
    if "category" in changes and changes["category"] not in settings.cases().categories:
        errors["category"] = ["Not a category this platform handles."]
    amount = changes.get("amount")
    if amount is not None and not Decimal(0) <= amount <= settings.cases().amount_max_yuan:
        errors["amount"] = ["Must be between 0 and the maximum amount, in yuan."]
    if errors:
        raise ValidationFailed(errors=errors)


def _apply(case: Case, changes: dict) -> dict:
    """Set the changed fields; return the previous values of those that really changed."""
    previous = {}
    for name, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(case, name) != value:
            previous[name] = getattr(case, name)
            setattr(case, name, value)
    return previous


def _json(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value
