"""Mediation sessions: the case's mediator books, moves, cancels and closes them; parties confirm attendance.

Booking and rescheduling lock the case row, then every participant's schedule row (in id order), then
check overlaps, all in one transaction: see `mediation_sessions_conflicts` for why two concurrent bookings
cannot both win. The first booked session moves a `mediator_accepted` case to `in_mediation`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import bindparam, select

from app.cases import Case, timeline
from app.cases import access as case_access
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import Message, label, message
from app.mediation import assignment as mediation_assignment
from app.platform import settings
from app.scheduling import booking, conflicts, ended_case, hearing_events, session_hooks
from app.scheduling import queries as queries
from app.scheduling import reminders as reminders
from app.scheduling.models import MediationSession, SessionAttendance
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock
from app.utils.ids import new_id

SCHEDULABLE = ("mediator_accepted", "in_mediation")


def book(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    mode: str,
    location: str | None = None,
    meeting_url: str | None = None,
) -> dict:
    """Book a session for the case (its mediator only); 409 mediation.slot_conflict names who is double-booked.

    The case's row is locked first and decides alone whether the caller is its mediator (who may read it); anyone
    else gets the 404 or 403 `case_access.load` gives, from the facts read then. The participants are read after
    the lock, with their schedule rows locked (`booking`: one statement on PostgreSQL), and the overlap check,
    the session, its reminders, its timeline entries and the case's start are one statement there (issue 18: 11
    statements -> 6).
    """
    case = db.session.scalar(_CASE_FOR_UPDATE, {"case_id": case_id})
    if case is None:
        raise case_access.not_found()
    if not permissions.may_schedule_sessions(actor, case_access.facts_of(case, ())):
        facts = case_access.facts_for(case)
        if not permissions.may_read_case(actor, facts):
            raise case_access.not_found()
        _require_mediator(actor, facts)  # not the mediator: 403
    _require_schedulable(case)
    start, end = check_times(starts_at, ends_at)
    location, meeting_url = _check_place(mode, location, meeting_url)
    facts = booking.lock_participants(case)
    people = conflicts.participant_ids(case, facts)
    now = clock.now()
    values = {
        "id": new_id(),
        "created_at": now,
        "updated_at": now,
        "case_id": case.id,
        "kind": "mediation",
        "mediator_user_id": case.mediator_user_id,
        "starts_at": start,
        "ends_at": end,
        "mode": mode,
        "location": location,
        "meeting_url": meeting_url,
        "status": "scheduled",
        "created_by": actor.user_id,
    }
    # The timeline and the answer come from the row as written: no ORM object (issue 18; nothing reads it back).
    summary = message("session booked for %(at)s (%(mode)s)", at=_local(start), mode=label("session.mode", mode))
    data = {"session_id": str(values["id"]), "starts_at": start.isoformat(), "mode": mode, "kind": "mediation"}
    if booking.postgresql():
        # One statement writes the session, its reminders, the entries and the case's start, only if the slot is
        # free (`booking.book_and_record`): the entry is built first and the mediation started before it, without
        # autoflush (a refusal reads who is busy; the transaction is then rolled back, with the case's change).
        entry = timeline.new_entry(
            case, "session.scheduled", actor=actor, actor_role="mediator", summary=summary, data=data
        )
        with db.session.no_autoflush:
            if case.status == "mediator_accepted":
                _start_mediation(case, actor)
            found = booking.book_and_record(case, values, people, start, end, entry)
            if found:
                conflicts.refuse_case_slot(case, facts, found)  # who they are is read only to name a double booking
    else:
        found = booking.book_if_free(values, people, start, end)
        if found:
            conflicts.refuse_case_slot(case, facts, found)
        timeline.record(case, "session.scheduled", actor=actor, actor_role="mediator", summary=summary, data=data)
        if case.status == "mediator_accepted":
            _start_mediation(case, actor)
    db.session.commit()
    return queries.booked_view(values, actor=actor, facts=facts)


# The case's row locked (built once, as `case_access.load`'s): the booking decides from it alone whether the caller
# is its mediator, and reads the facts after it with the schedule locks (`booking.lock_participants`).
_CASE_FOR_UPDATE = select(Case).where(Case.id == bindparam("case_id")).with_for_update()


def reschedule(*, session_id: uuid.UUID, actor: Principal, changes: dict) -> dict:
    """Move a scheduled session or change its mode and place (same checks as booking; reminders replaced)."""
    session, case, facts = _load(session_id, actor, lock=True)
    _require_mediator(actor, facts, session)
    require_scheduled(session)
    _require_schedulable(case)
    start = changes.get("starts_at", session.starts_at)
    end = changes.get("ends_at", session.ends_at)
    moved = clock.as_utc(start) != session.starts_at or clock.as_utc(end) != session.ends_at
    mode = changes.get("mode", session.mode)
    location, meeting_url = _check_place(
        mode, changes.get("location", session.location), changes.get("meeting_url", session.meeting_url)
    )
    if moved:
        start, end = check_times(start, end)
        people = conflicts.participant_ids(case, facts)
        conflicts.lock(people)
        conflicts.ensure_case_free(case, facts, start, end, exclude_session=session.id)
        session.starts_at, session.ends_at = start, end
        reminders.replace(session, people)
    changed_mode = mode != session.mode
    session.mode, session.location, session.meeting_url = mode, location, meeting_url
    _record(
        case,
        session,
        "session.rescheduled",
        actor,
        message("session moved to %(at)s (%(mode)s)", at=_local(session.starts_at), mode=label("session.mode", mode)),
    )
    if moved or changed_mode:
        session_hooks.session_changed(case, session, "rescheduled", actor)
    db.session.commit()
    return queries.view(session, actor=actor, facts=facts)


def cancel(*, session_id: uuid.UUID, actor: Principal, reason: str | None = None) -> dict:
    """Cancel a scheduled session; its pending reminders are cancelled with it."""
    session, case, facts = _load(session_id, actor, lock=True)
    _require_mediator(actor, facts, session)
    require_scheduled(session)
    session.status, session.cancelled_at, session.cancelled_by = "cancelled", clock.now(), actor.user_id
    session.cancel_reason = reason
    reminders.cancel_pending(session)
    _record(
        case,
        session,
        "session.cancelled",
        actor,
        message("session of %(at)s cancelled", at=_local(session.starts_at)),
        reason,
    )
    session_hooks.session_changed(case, session, "cancelled", actor)
    db.session.commit()
    return queries.view(session, actor=actor, facts=facts)


def cancel_for_ended_case(case: Case, status: str, actor: Principal | None) -> int:
    """A case ended: cancel its future sessions (one timeline event each) and every pending reminder.

    Runs inside the transaction that ended the case (registered as a cases end hook in app/wiring.py).
    The future sessions are cancelled by an UPDATE ... RETURNING that also reads them, so they are not read first
    and written again at the flush, and every pending reminder of the case by one more (issue 18); on PostgreSQL
    both are one statement, which carries the other end hooks' reads (app/scheduling/ended_case.py). The other
    reads (the webhook subscriptions of a hearing) do not depend on what the transaction has written yet, so they
    run without autoflush: the case's change and the timeline entries are written together at the caller's flush.
    """
    with db.session.no_autoflush:
        reason = f"the case ended ({status})"
        by = actor.user_id if actor is not None else None
        # every pending reminder of the case, a session already under way's too, counted per session
        sessions, cancelled = ended_case.cancel(case.id, now=clock.now(), by=by, why=reason)
        for session in sessions:
            summary = message(
                "session of %(at)s cancelled: %(reason)s; %(count)s reminder(s) cancelled",
                at=_local(session.starts_at),
                reason=reason,
                count=cancelled[session.id],
            )
            _record(case, session, "session.cancelled", actor, summary, reason, role="system")
            if session.kind != "mediation":  # the court hears of it (sent after that commit by the webhook sweep)
                hearing_events.publish(case, session, "hearing.cancelled", reason=reason)
            session_hooks.session_changed(case, session, "cancelled", actor)
        return len(sessions)


def confirm_attendance(
    *, session_id: uuid.UUID, actor: Principal, attending: bool = True, note: str | None = None
) -> dict:
    """A party (or their lawyer) says whether they will attend."""
    session, case, facts = _load(session_id, actor, lock=True)
    me = actor.user_id
    if me is None or not permissions.parties_of(actor, facts):  # parties_of is empty for callers without a user id
        raise Forbidden("Only a party of the case or their lawyer confirms attendance.", reason="session.not_a_party")
    require_scheduled(session)
    if session.ends_at <= clock.now():
        raise Conflict("The session is over.", reason="session.over")
    own = sorted(pid for pid, uid in facts.party_users.items() if uid == me)
    role, parties = ("party", own) if own else ("lawyer", sorted(permissions.parties_of(actor, facts)))
    row = attendance_row(session, me, role=role, party_id=parties[0])
    row.attending, row.confirmed_at, row.note = attending, clock.now(), note
    event = "session.attendance_confirmed" if attending else "session.attendance_declined"
    who = label("party.role", role)
    words = message("%(role)s will attend", role=who) if attending else message("%(role)s will not attend", role=who)
    _record(case, session, event, actor, words, role=role)
    db.session.commit()
    return queries.view(session, actor=actor, facts=facts)


def mark_held(*, session_id: uuid.UUID, actor: Principal, attended_user_ids: list[uuid.UUID] | None = None) -> dict:
    """The mediator records that the session took place and who attended.

    Without `attended_user_ids`, a video session keeps the attendance mirrored from the provider (app.video:
    present, dial_in and in_person count as attended; nobody seen is absent); any other session has nobody attended.
    A given list always decides.
    """
    session, case, facts = _load(session_id, actor, lock=True)
    _require_mediator(actor, facts, session)
    require_scheduled(session)
    if session.starts_at > clock.now():
        raise Conflict("The session has not started yet.", reason="session.not_started")
    people = {p.user_id: p for p in conflicts.participants(case, facts)}
    keep_provider = attended_user_ids is None and session.mode == "video"
    attended = set(attended_user_ids or ())
    if attended - set(people):
        raise ValidationFailed(errors={"attended_user_ids": ["Only people taking part in the case can attend."]})
    for user_id, person in people.items():
        row = attendance_row(session, user_id, role=person.role, party_id=person.party_id)
        row.attended = bool(row.attended) if keep_provider else user_id in attended
    session.status, session.held_at = "held", clock.now()
    reminders.cancel_pending(session)
    _record(case, session, "session.held", actor, message("session of %(at)s held", at=_local(session.starts_at)))
    db.session.commit()
    return queries.view(session, actor=actor, facts=facts)


def _load(session_id: uuid.UUID, actor: Principal, *, lock: bool) -> tuple[MediationSession, Case, CaseFacts]:
    """The session and its case if the caller may read the case (404 session.not_found otherwise)."""
    case_id = db.session.scalar(select(MediationSession.case_id).where(MediationSession.id == session_id))
    if case_id is None:
        raise queries.not_found()
    try:
        case, facts = case_access.load(case_id, actor=actor, lock=lock)  # case first, then session: one lock order
    except NotFound:
        raise queries.not_found() from None
    query = select(MediationSession).where(MediationSession.id == session_id)
    session = db.session.scalar(query.with_for_update() if lock else query)
    if session is None:  # never: its case_id was just read, and a session is never deleted
        raise queries.not_found()
    return session, case, facts


def attendance_row(
    session: MediationSession, user_id: uuid.UUID, *, role: str, party_id: uuid.UUID | None
) -> SessionAttendance:
    """The participant's attendance row of a session, added if missing (hearings use it too)."""
    row = db.session.scalar(
        select(SessionAttendance).where(
            SessionAttendance.session_id == session.id, SessionAttendance.user_id == user_id
        )
    )
    if row is None:
        row = SessionAttendance(session_id=session.id, user_id=user_id, role=role, party_id=party_id)
        db.session.add(row)
    return row


def _require_mediator(actor: Principal, facts: CaseFacts, session: MediationSession | None = None) -> None:
    """The case's mediator; a hearing is the court's (its routes are /api/court/v1/hearings)."""
    hearing = session is not None and session.kind != "mediation"
    if hearing or not permissions.may_schedule_sessions(actor, facts):
        raise Forbidden("Only the case's mediator manages its sessions.", reason="session.not_the_mediator")


def _require_schedulable(case: Case) -> None:
    if case.kind != "mediation" or case.status not in SCHEDULABLE:
        raise Conflict(
            f"Sessions cannot be scheduled for a case in state '{case.status}'.",
            reason="session.case_not_schedulable",
            errors={"status": [case.status]},
        )


def require_scheduled(session: MediationSession) -> None:
    """409 session.not_scheduled unless the session (or hearing) is still scheduled."""
    if session.status != "scheduled":
        raise Conflict(
            f"The session is {session.status}.", reason="session.not_scheduled", errors={"status": [session.status]}
        )


def check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Aware, in the future, start before end, no longer than SESSION_MAX_HOURS."""
    start, end = clock.as_utc(starts_at), clock.as_utc(ends_at)
    errors: dict[str, list[str]] = {}
    max_hours = settings.scheduling().session_max_hours
    longest = dt.timedelta(hours=max_hours)
    if end <= start:
        errors["ends_at"] = ["Must be after starts_at."]
    elif end - start > longest:
        errors["ends_at"] = [f"A session lasts at most {max_hours} hours."]
    if start <= clock.now():
        errors["starts_at"] = ["Must be in the future."]
    if errors:
        raise ValidationFailed(errors=errors)
    return start, end


def _check_place(mode: str, location: str | None, meeting_url: str | None) -> tuple[str | None, str | None]:
    """In person needs a location, video a meeting URL; a phone session needs neither."""
    if mode == "in_person" and not (location or "").strip():
        raise ValidationFailed(errors={"location": ["An in-person session needs a location."]})
    if mode == "video" and not (meeting_url or "").strip():
        raise ValidationFailed(errors={"meeting_url": ["A video session needs a meeting URL."]})
    return (
        location.strip() if mode == "in_person" and location else None,
        meeting_url.strip() if mode == "video" and meeting_url else None,
    )


def _start_mediation(case: Case, actor: Principal) -> None:
    """The first session starts the mediation (mediation's start_mediation transitions and records; we commit)."""
    mediation_assignment.start_mediation(case, actor=actor)


def _record(
    case: Case,
    session: MediationSession,
    event: str,
    actor: Principal | None,
    summary: Message,
    reason: str | None = None,
    *,
    role: str = "mediator",
) -> None:
    data = {"session_id": str(session.id), "starts_at": session.starts_at.isoformat(), "mode": session.mode}
    data["kind"] = session.kind or "mediation"  # None until flushed
    timeline.record(case, event, actor=actor, actor_role=role, summary=summary, reason=reason, data=data)


def _local(value: dt.datetime) -> str:
    return value.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
