"""Court review of litigation filings: the review queue, acceptance with a case number, and rejection."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import acceptance_hooks
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.cases import numbers as case_numbers
from app.cases import queries as case_queries
from app.cases import timeline as case_timeline
from app.cases.models import Case, CorrectionRequest
from app.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.identity import Court
from app.platform.pagination import Page, oldest_first
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock

LITIGATION_TYPE_CODE = case_numbers.FIRST_INSTANCE_CIVIL
QUEUE_FIELDS = (
    "id",
    "kind",
    "status",
    "case_number",
    "category",
    "title",
    "amount",
    "filed_via",
    "court_id",
    "submitted_at",
    "review_due_at",
    "accepted_at",
)
NUMBER_TAKEN = "This case number is already used."


def list_filings(
    *,
    actor: Principal,
    status: str = "submitted",
    court_id: uuid.UUID | None = None,
    cursor: str | None,
    limit: int | None,
) -> Page:
    """Litigation filings in one state at the caller's court(s), the longest waiting (oldest submitted) first."""
    courts = permissions.review_court_ids(actor)
    if not courts:
        raise Forbidden("Only a court's clerks, judges and court system review filings.", reason="court.not_staff")
    if court_id is not None:
        if court_id not in courts:
            raise NotFound("No such court.", reason="court.not_found")
        courts = [court_id]
    query = select(Case).where(Case.court_id.in_(courts), Case.kind == "litigation", Case.status == status)
    page = oldest_first(query, at_column=Case.submitted_at, id_column=Case.id, cursor=cursor, limit=limit)
    return Page(items=_queue_items(page.items), next_cursor=page.next_cursor)


def _queue_items(cases: list[Case]) -> list[dict]:
    now = clock.now()
    open_requests = {}
    if cases:
        query = select(CorrectionRequest).where(
            CorrectionRequest.case_id.in_([case.id for case in cases]), CorrectionRequest.answered_at.is_(None)
        )
        open_requests = {row.case_id: row for row in db.session.scalars(query.order_by(CorrectionRequest.created_at))}
    items = []
    for case in cases:
        request = open_requests.get(case.id)
        due = case.review_due_at
        items.append(
            {
                **{name: getattr(case, name) for name in QUEUE_FIELDS},
                "overdue": case.status == "submitted" and due is not None and now > due,
                "correction_due_at": request.due_at if request else None,
                "correction_overdue": request is not None and now > request.due_at,
            }
        )
    return items


def load_for_review(*, case_id: uuid.UUID, actor: Principal) -> tuple[Case, CaseFacts]:
    """The case, locked, if the caller is staff of its court: 404 when unreadable, 403 for its other readers."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    if not permissions.may_review_filing(actor, facts):
        raise Forbidden(
            "Only the staff of the court this case was filed at may review it.", reason="case.not_court_staff"
        )
    return case, facts


def review_court(case: Case) -> uuid.UUID:
    """The court of a case `load_for_review` returned (it admits only the staff of the case's own court)."""
    assert case.court_id is not None  # may_review_filing is false for a case without a court
    return case.court_id


def staff_role(actor: Principal, court_id: uuid.UUID) -> str:
    """How the caller appears on the timeline: court_system, judge or clerk."""
    held = permissions.court_roles(actor, court_id)
    return next((role for role in ("court_system", "judge", "clerk") if role in held), "court_staff")


def record_transition(
    case: Case, target: str, *, actor: Principal, actor_role: str, event: str, reason: str | None = None
) -> case_timeline.Entry:
    """case_lifecycle.transition, returning its (still pending) timeline event so details can be added to it."""
    return case_lifecycle.transition(case, target, actor=actor, actor_role=actor_role, reason=reason, event=event)


def accept(*, case_id: uuid.UUID, actor: Principal, case_number: str | None = None) -> dict:
    """Accept a filing (立案): a new gap-free case number, or the court system's own one after checking it."""
    case, facts = load_for_review(case_id=case_id, actor=actor)
    court_id = review_court(case)
    explicit = _parse(case_number) if case_number is not None else None
    event = record_transition(
        case, "accepted", actor=actor, actor_role=staff_role(actor, court_id), event="case.accepted"
    )
    try:
        if explicit is None:
            number = case_numbers.assign(court_id=court_id, type_code=LITIGATION_TYPE_CODE)
        else:
            number = _claim_explicit(case, explicit)
    except AppError:
        db.session.rollback()  # the transition above is undone with everything else
        raise
    case.case_number, case.accepted_at = number, clock.now()
    case_timeline.retell(
        event,
        message(
            "%(previous)s -> %(target)s: %(number)s",
            previous=label("case.state", event.from_status),
            target=label("case.state", event.to_status),
            number=number,
        ),
        data={"case_number": number, "numbered_by": "platform" if explicit is None else "court_system"},
    )
    # The number is written before the hooks read anything (their queries would autoflush it and meet a taken
    # number as a bare IntegrityError), so a taken number is answered the same way whatever runs after it.
    _commit_number(explicit_given=explicit is not None, flush_only=True)
    acceptance_hooks.case_accepted(case, actor)  # e.g. fees issues the notice to pay (app/wiring.py)
    _commit_number(explicit_given=explicit is not None)
    return case_queries.describe(case, facts, actor=actor)


def _parse(text: str) -> case_numbers.CaseNumber:
    try:
        return case_numbers.parse_case_number(text)
    except ValueError as exc:
        raise ValidationFailed(errors={"case_number": [str(exc)]}) from None


def _claim_explicit(case: Case, number: case_numbers.CaseNumber) -> str:
    """Check a number the court's own system assigned, and keep our sequence from ever issuing it again."""
    court = db.session.get(Court, case.court_id)
    errors = []
    if court is None or number.court_code != court.code:
        errors.append(f"The court code must be {court.code if court else '?'}, the court of this case.")
    if number.type_code != LITIGATION_TYPE_CODE:
        errors.append(f"A first-instance civil case number uses the type code {LITIGATION_TYPE_CODE}.")
    filed_year = case.submitted_at.astimezone(clock.SHANGHAI).year
    if not filed_year <= number.year <= clock.now_shanghai().year:
        errors.append(f"The year must be between the filing year ({filed_year}) and this year.")
    text = str(number)
    if not errors and db.session.scalar(select(Case.id).where(Case.case_number == text)) is not None:
        errors.append(NUMBER_TAKEN)
    if errors:
        raise ValidationFailed(errors={"case_number": errors})
    case_numbers.note_external(court_id=review_court(case), number=number)
    return text


def _commit_number(*, explicit_given: bool, flush_only: bool = False) -> None:
    try:
        db.session.flush() if flush_only else db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the sequence step is rolled back too: no number is used up
        if explicit_given:  # the same number raced in from another accept
            raise ValidationFailed(errors={"case_number": [NUMBER_TAKEN]}) from None
        raise Conflict(
            "The next number of this court's sequence is held by a case numbered outside the platform; "
            "nothing was changed. Accept it with an explicit case_number.",
            reason="case.number_taken",
        ) from None


def reject(*, case_id: uuid.UUID, actor: Principal, reason: str) -> dict:
    """Refuse to accept a filing (不予受理), with the court's reasons."""
    case, facts = load_for_review(case_id=case_id, actor=actor)
    if not reason.strip():
        raise ValidationFailed(errors={"reason": ["Give the reasons for not accepting the filing."]})
    record_transition(
        case,
        "rejected",
        actor=actor,
        actor_role=staff_role(actor, review_court(case)),
        event="case.rejected",
        reason=reason.strip(),
    )
    db.session.commit()
    return case_queries.describe(case, facts, actor=actor)
