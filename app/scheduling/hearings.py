"""Hearings (庭审) and pre-trial meetings (庭前会议): the court books, postpones, cancels and holds them.

A hearing is a session of a litigation case on the one schedule (`MediationSession.kind`), so the conflict engine
that keeps mediation sessions apart keeps hearings apart too: the presiding judge, the clerk, every joined party,
every active lawyer and the courtroom must be free (409 mediation.slot_conflict naming who or what is not).
Booking locks the case row, then the courtroom row, then every person's schedule row, then checks overlaps, all in
one transaction (see `conflicts`). Booking a hearing moves the case to `hearing_scheduled`; holding it moves the
case to `in_trial` (both through the cases lifecycle); a pre-trial meeting leaves the case's state alone.
Summons are served on every party after the commit (`summons`), again after each postponement.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from app.audit import log as audit
from app.cases import Case, lifecycle, timeline
from app.cases import access as case_access
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import Message, label, message
from app.identity import User
from app.identity import login_sessions as identity_sessions
from app.scheduling import conflicts, courtrooms, hearing_events, hearing_queries, reminders, session_hooks, summons
from app.scheduling import sessions as mediation_sessions
from app.scheduling.models import Courtroom, MediationSession
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock

SCHEDULABLE = ("accepted", "in_trial", "hearing_scheduled")
# CPL Art. 146 / 147: the consequence the court may draw from a summoned party's unexcused absence
ABSENCE_CONSEQUENCES = {"plaintiff": "may_be_treated_as_withdrawn", "defendant": "default_judgment_possible"}


def book(
    *,
    case_id: uuid.UUID,
    actor: Principal,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    mode: str,
    courtroom_id: uuid.UUID | None = None,
    meeting_url: str | None = None,
    judge_user_id: uuid.UUID | None = None,
    clerk_user_id: uuid.UUID | None = None,
) -> dict:
    """Book a hearing or pre-trial meeting for an accepted litigation case; summons go to every party."""
    case, facts = _load_case(case_id, actor)
    _require_schedulable(case)
    start, end = mediation_sessions.check_times(starts_at, ends_at)
    room, meeting_url = _place(case, mode, courtroom_id, meeting_url)
    judge = _staff_member(case, judge_user_id or _self_if(actor, case, "judge"), "judge", "judge_user_id")
    clerk = _staff_member(case, clerk_user_id or _self_if(actor, case, "clerk"), "clerk", "clerk_user_id")
    if judge is None:
        raise ValidationFailed(errors={"judge_user_id": ["Name the presiding judge."]})
    session = MediationSession(
        case_id=case.id,
        kind=kind,
        judge_user_id=judge,
        clerk_user_id=clerk,
        starts_at=start,
        ends_at=end,
        mode=mode,
        courtroom_id=room.id if room else None,
        location=_location(room),
        meeting_url=meeting_url,
        created_by=actor.user_id,
        postponements=[],
    )
    people = _reserve(case, facts, session, room, start, end)
    db.session.add(session)
    db.session.flush()
    reminders.schedule(session, (p.user_id for p in people))
    _record(
        case,
        session,
        "hearing.scheduled",
        actor,
        message("%(kind)s booked for %(at)s", kind=_label(session), at=_local(start)),
    )
    if kind == "hearing" and case.status != "hearing_scheduled":
        lifecycle.transition(case, "hearing_scheduled", actor=actor, actor_role=_role(actor), data=_data(session))
    hearing_events.publish(case, session, "hearing.scheduled")
    db.session.commit()
    summons.serve_all(session.id, round_no=1, actor=actor)
    return hearing_queries.view(db.session.get_one(MediationSession, session.id), actor=actor, facts=facts)


def postpone(
    *,
    session_id: uuid.UUID,
    actor: Principal,
    reason: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    courtroom_id: uuid.UUID | None = None,
    mode: str | None = None,
    meeting_url: str | None = None,
) -> dict:
    """延期开庭: move the hearing to a new time (same checks as booking) with a reason; summons served again."""
    session, case, facts = _load(session_id, actor)
    mediation_sessions.require_scheduled(session)
    _require_schedulable(case)
    start, end = mediation_sessions.check_times(starts_at, ends_at)
    mode = mode or session.mode
    wanted_room = courtroom_id or (session.courtroom_id if mode == "in_person" else None)
    room, url = _place(case, mode, wanted_room, meeting_url or (session.meeting_url if mode == "video" else None))
    people = _reserve(case, facts, session, room, start, end, exclude=session.id)
    entry = {
        "at": clock.now().isoformat(),
        "by": actor.scope,
        "reason": reason,
        "from": session.starts_at.isoformat(),
        "to": start.isoformat(),
    }
    session.postponements = [*(session.postponements or []), entry]
    session.starts_at, session.ends_at, session.mode = start, end, mode
    session.courtroom_id, session.location, session.meeting_url = room.id if room else None, _location(room), url
    reminders.replace(session, (p.user_id for p in people))
    _record(
        case,
        session,
        "hearing.postponed",
        actor,
        message("%(kind)s postponed to %(at)s", kind=_label(session), at=_local(start)),
        reason,
    )
    hearing_events.publish(case, session, "hearing.postponed", reason=reason)
    session_hooks.session_changed(case, session, "rescheduled", actor)
    db.session.commit()
    summons.serve_all(session.id, round_no=len(session.postponements) + 1, actor=actor, reason=reason)
    return hearing_queries.view(db.session.get_one(MediationSession, session.id), actor=actor, facts=facts)


def cancel(*, session_id: uuid.UUID, actor: Principal, reason: str) -> dict:
    """Cancel a scheduled hearing; with no other hearing ahead the case goes back to `in_trial`."""
    session, case, facts = _load(session_id, actor)
    mediation_sessions.require_scheduled(session)
    session.status, session.cancelled_at, session.cancelled_by = "cancelled", clock.now(), actor.user_id
    session.cancel_reason = reason
    reminders.cancel_pending(session)
    _record(
        case,
        session,
        "hearing.cancelled",
        actor,
        message("%(kind)s of %(at)s cancelled", kind=_label(session), at=_local(session.starts_at)),
        reason,
    )
    if case.status == "hearing_scheduled" and not _hearings_ahead(case, session.id):
        lifecycle.transition(case, "in_trial", actor=actor, actor_role=_role(actor), reason=reason, data=_data(session))
    hearing_events.publish(case, session, "hearing.cancelled", reason=reason)
    session_hooks.session_changed(case, session, "cancelled", actor)
    db.session.commit()
    return hearing_queries.view(session, actor=actor, facts=facts)


def hold(*, session_id: uuid.UUID, actor: Principal, attendance: list[dict], note: str | None = None) -> dict:
    """The clerk records that the hearing took place and who was present; a held hearing puts the case in trial.

    Every participant not listed is recorded absent. An absent party none of whose lawyers was present gets the
    consequence the court may draw (plaintiff: may be treated as withdrawn; defendant: default judgment
    possible); it is only recorded, the court decides.
    """
    session, case, facts = _load(session_id, actor)
    mediation_sessions.require_scheduled(session)
    if session.starts_at > clock.now():
        raise Conflict("The hearing has not started yet.", reason="session.not_started")
    people = {p.user_id: p for p in _participants(case, facts, session)}
    present = {row["user_id"]: row["present"] for row in attendance}
    if set(present) - set(people):
        raise ValidationFailed(errors={"attendance": ["Only people taking part in the hearing can be listed."]})
    came = {uid for uid in people if present.get(uid, False)}
    represented = {p.party_id for uid, p in people.items() if uid in came and p.party_id is not None}
    for user_id, person in people.items():
        row = mediation_sessions.attendance_row(session, user_id, role=person.role, party_id=person.party_id)
        row.attended = user_id in came
        absent_party = person.role == "party" and not row.attended and person.party_id not in represented
        row.consequence = ABSENCE_CONSEQUENCES.get(person.party_role or "") if absent_party else None
    session.status, session.held_at = "held", clock.now()
    reminders.cancel_pending(session)
    _record(
        case,
        session,
        "hearing.held",
        actor,
        message("%(kind)s of %(at)s held", kind=_label(session), at=_local(session.starts_at)),
        note,
    )
    if session.kind == "hearing" and case.status == "hearing_scheduled":
        lifecycle.transition(case, "in_trial", actor=actor, actor_role=_role(actor), data=_data(session))
    hearing_events.publish(case, session, "hearing.held")
    db.session.commit()
    return hearing_queries.view(session, actor=actor, facts=facts)


def _load_case(case_id: uuid.UUID, actor: Principal) -> tuple[Case, CaseFacts]:
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    if not permissions.may_review_filing(actor, facts):  # clerks, judges and the system of the case's court
        raise case_access.not_found()
    return case, facts


def _load(session_id: uuid.UUID, actor: Principal) -> tuple[MediationSession, Case, CaseFacts]:
    """A hearing of a case at the caller's court, locked with its case (404 session.not_found otherwise)."""
    row = db.session.execute(
        select(MediationSession.case_id, MediationSession.kind).where(MediationSession.id == session_id)
    ).first()
    if row is None or row.kind == "mediation":
        raise hearing_queries.not_found()
    try:
        case, facts = _load_case(row.case_id, actor)  # case first, then the session: one lock order
    except NotFound:
        raise hearing_queries.not_found() from None
    session = db.session.scalar(select(MediationSession).where(MediationSession.id == session_id).with_for_update())
    assert session is not None  # its case_id was just read, and a session is never deleted
    return session, case, facts


def _reserve(
    case: Case,
    facts: CaseFacts,
    session: MediationSession,
    room: Courtroom | None,
    start: dt.datetime,
    end: dt.datetime,
    *,
    exclude: uuid.UUID | None = None,
) -> list[conflicts.Participant]:
    """Lock the courtroom and everyone's schedule, then refuse the slot if any of them is taken."""
    people = _participants(case, facts, session)
    conflicts.lock((p.user_id for p in people), courtroom_ids=[room.id] if room else [])
    conflicts.ensure_free(people, start, end, exclude_session=exclude, courtroom=room)
    return people


def _participants(case: Case, facts: CaseFacts, session: MediationSession) -> list[conflicts.Participant]:
    staff = (("judge", session.judge_user_id), ("clerk", session.clerk_user_id))
    return conflicts.participants(case, facts, staff=staff)


def _require_schedulable(case: Case) -> None:
    if case.kind != "litigation" or case.status not in SCHEDULABLE:
        raise Conflict(
            f"Hearings cannot be scheduled for a case in state '{case.status}'.",
            reason="session.case_not_schedulable",
            errors={"status": [case.status]},
        )


def _place(
    case: Case, mode: str, courtroom_id: uuid.UUID | None, meeting_url: str | None
) -> tuple[Courtroom | None, str | None]:
    """In person needs a courtroom of the case's court; online needs a meeting URL."""
    if mode == "in_person":
        if courtroom_id is None:
            raise ValidationFailed(errors={"courtroom_id": ["An in-person hearing needs a courtroom."]})
        return courtrooms.for_booking(case.court_id, courtroom_id), None
    if not (meeting_url or "").strip():
        raise ValidationFailed(errors={"meeting_url": ["An online hearing needs a meeting URL."]})
    return None, (meeting_url or "").strip()


def _self_if(actor: Principal, case: Case, role: str) -> uuid.UUID | None:
    if (
        case.court_id is not None
        and permissions.is_user(actor)
        and permissions.is_court_staff(actor, case.court_id, role)
    ):
        return actor.user_id
    return None


def _staff_member(case: Case, user_id: uuid.UUID | None, role: str, field: str) -> uuid.UUID | None:
    """The user if they hold `role` at the case's court (422 naming the field otherwise)."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    held = identity_sessions.load_principal(user) if user is not None and user.status == "active" else None
    if case.court_id is None or not permissions.is_court_staff(held, case.court_id, role):
        raise ValidationFailed(errors={field: [f"Not a {role} of the case's court."]})
    return user_id


def _hearings_ahead(case: Case, other_than: uuid.UUID) -> bool:
    query = select(func.count()).where(
        MediationSession.case_id == case.id,
        MediationSession.kind == "hearing",
        MediationSession.status == "scheduled",
        MediationSession.id != other_than,
    )
    return bool(db.session.scalar(query))


def _location(room: Courtroom | None) -> str | None:
    if room is None:
        return None
    return f"{room.name}（{room.location}）" if room.location else room.name


def _role(actor: Principal) -> str:
    return "court_system" if permissions.is_machine(actor) else "court_staff"


def _label(session: MediationSession) -> Message | str:
    return label("session.kind", "pretrial_meeting" if session.kind == "pretrial_meeting" else "hearing")


def _data(session: MediationSession) -> dict:
    return {"session_id": str(session.id), "kind": session.kind, "starts_at": session.starts_at.isoformat()}


def _record(
    case: Case, session: MediationSession, event: str, actor: Principal, summary: Message, reason: str | None = None
) -> None:
    data = {**_data(session), "mode": session.mode, "courtroom_id": str(session.courtroom_id or "") or None}
    timeline.record(case, event, actor=actor, actor_role=_role(actor), summary=summary, reason=reason, data=data)
    audit.record(event, actor=actor, object_type="hearing", object_id=session.id, details={"case_id": str(case.id)})


def _local(value: dt.datetime) -> str:
    return value.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
