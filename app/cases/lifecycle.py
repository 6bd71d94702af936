"""The case state machines, in one place: every transition is checked and written to the timeline."""

from __future__ import annotations

import datetime as dt

from app.cases import end_hooks, timeline
from app.cases.models import Case
from app.errors import Conflict
from app.extensions import db
from app.i18n import Message, label, message
from app.legal import CalendarNotCovered, day_kind, load_overrides
from app.platform import settings
from app.security.permissions import Principal
from app.utils import clock

ACTIVE_MEDIATION = ("submitted", "assigned", "mediator_accepted", "in_mediation")

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "mediation": {
        "submitted": ("assigned", "withdrawn"),
        "assigned": ("mediator_accepted", "withdrawn"),
        "mediator_accepted": ("in_mediation", "withdrawn"),
        "in_mediation": ("settled", "failed", "withdrawn"),
        "settled": ("judicial_confirmation_requested",),
        "judicial_confirmation_requested": ("confirmed", "confirmation_rejected"),
        "failed": (),
        "withdrawn": (),
        "confirmed": (),
        "confirmation_rejected": (),
    },
    "litigation": {
        "submitted": ("accepted", "rejected", "correction_requested", "withdrawn"),
        "correction_requested": ("submitted", "withdrawn"),
        # After acceptance (受理): trial, hearings, the decision served (judgment, ruling or mediation statement;
        # 结案 with its closing method), then appeal or legal effect. "closed" is 结案 without a served decision
        # (withdrawal permitted by ruling, treated as withdrawn, dismissal, transfer).
        "accepted": ("in_trial", "hearing_scheduled", "adjudicated", "closed"),
        "in_trial": ("hearing_scheduled", "adjudicated", "closed"),
        "hearing_scheduled": ("in_trial", "adjudicated", "closed"),
        "adjudicated": ("appealed", "effective"),
        "appealed": ("effective",),
        "effective": (),
        "closed": (),
        "rejected": (),
        "withdrawn": (),
    },
}
TERMINAL = {
    kind: frozenset(state for state, targets in table.items() if not targets) for kind, table in TRANSITIONS.items()
}
INITIAL = "submitted"


CONCLUSIONS = ("settled", "failed")


def moved(previous: str | None, target: str | None, /) -> Message:
    """The words of a transition: the two states' labels in the reader's language."""
    return message(
        "%(previous)s -> %(target)s", previous=label("case.state", previous), target=label("case.state", target)
    )


def _record_conclusion(case: Case, outcome: str) -> None:
    """Stamp the outcome for statistics; whether it fell on a working day is None beyond the calendar."""
    try:
        with db.session.no_autoflush:  # else the calendar's read flushes the case, and the working day is a 2nd UPDATE
            overrides = load_overrides()
        case.concluded_on_working_day = day_kind(clock.now_shanghai().date(), overrides=overrides).is_working_day
    except CalendarNotCovered:
        case.concluded_on_working_day = None
    case.outcome, case.concluded_at = outcome, clock.now()


def filed_off_hours(at: dt.datetime) -> bool | None:
    """Whether a filing at `at` is outside working hours (holiday-aware); None beyond the calendar."""
    from app.legal import is_off_hours

    try:
        hours = settings.cases()
        return is_off_hours(
            at, start=hours.working_hours_start, end=hours.working_hours_end, overrides=load_overrides()
        )
    except CalendarNotCovered:
        return None


def allowed(kind: str, current: str, target: str) -> bool:
    """Whether the state machine of this kind allows current -> target."""
    return target in TRANSITIONS[kind].get(current, ())


def check(case: Case, target: str) -> None:
    """Raise the 409 `case.illegal_transition` (naming the current state) unless current -> target is legal."""
    if not allowed(case.kind, case.status, target):
        raise Conflict(
            f"A {case.kind} case in state '{case.status}' cannot become '{target}'.",
            reason="case.illegal_transition",
            errors={"status": [case.status]},
        )


def transition(
    case: Case,
    target: str,
    *,
    actor: Principal | None,
    actor_role: str,
    reason: str | None = None,
    event: str = "",
    data: dict | None = None,
) -> timeline.Entry:
    """Move a case to `target` (409 naming the current state when illegal) and record it; the caller commits.

    Returns the timeline event (still pending) so the caller can add details it learns later in the transaction.
    """
    check(case, target)
    previous = case.status
    case.status = target
    if target in TERMINAL[case.kind]:
        case.closed_at = clock.now()
    if case.kind == "mediation" and target in CONCLUSIONS:
        _record_conclusion(case, target)
    event_row = timeline.record(
        case,
        event or f"status.{target}",
        actor=actor,
        actor_role=actor_role,
        from_status=previous,
        to_status=target,
        reason=reason,
        summary=moved(previous, target),
        data=data,
    )
    if end_hooks.has_ended(case.kind, target) and not end_hooks.has_ended(case.kind, previous):
        end_hooks.case_ended(case, target, actor)  # e.g. scheduling cancels future sessions and reminders
    return event_row
