"""Mediation sessions and availability: booking without double-booking, schedule, free slots, unavailability."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.scheduling import availability, queries, sessions
from app.utils.clock import SHANGHAI
from miniprogram_api.auth import MEDIATOR, current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.sessions import (
    AttendanceIn,
    AvailabilityArgs,
    AvailabilityOut,
    HeldIn,
    RangeArgs,
    ScheduleOut,
    SessionCancelIn,
    SessionCreateIn,
    SessionOut,
    SessionUpdateIn,
    UnavailabilityIn,
    UnavailabilityOut,
    WorkingHoursIn,
    WorkingHoursOut,
)

blp = Blueprint("mp_sessions", __name__, description="Mediation sessions, schedules and availability.")


@blp.route("/cases/<uuid:case_id>/sessions", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(SessionCreateIn)
@blp.response(201, SessionOut)
def book(payload: dict, case_id: uuid.UUID) -> dict:
    """Book a session (the case's mediator); 409 mediation.slot_conflict names who is double-booked."""
    return sessions.book(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/cases/<uuid:case_id>/sessions", methods=["GET"])
@login_required()
@blp.response(200, SessionOut(many=True))
def case_sessions(case_id: uuid.UUID) -> list:
    """Every session of the case, earliest first."""
    return queries.case_sessions(case_id=case_id, actor=current_principal())


@blp.route("/sessions/<uuid:session_id>", methods=["GET"])
@login_required()
@blp.response(200, SessionOut)
def detail(session_id: uuid.UUID) -> dict:
    """One session with everyone's attendance answers."""
    return queries.session_detail(session_id=session_id, actor=current_principal())


@blp.route("/sessions/<uuid:session_id>", methods=["PATCH"])
@login_required()
@blp.arguments(SessionUpdateIn, required=False)
@blp.response(200, SessionOut)
def reschedule(payload: dict, session_id: uuid.UUID) -> dict:
    """Move a session or change its mode and place (the case's mediator; same overlap checks)."""
    return sessions.reschedule(session_id=session_id, actor=current_principal(), changes=payload)


@blp.route("/sessions/<uuid:session_id>/cancel", methods=["POST"])
@login_required()
@blp.arguments(SessionCancelIn, required=False)
@blp.response(200, SessionOut)
def cancel(payload: dict, session_id: uuid.UUID) -> dict:
    """Cancel a session (the case's mediator); its reminders are cancelled too."""
    return sessions.cancel(session_id=session_id, actor=current_principal(), reason=payload.get("reason"))


@blp.route("/sessions/<uuid:session_id>/attendance", methods=["POST"])
@login_required()
@blp.arguments(AttendanceIn, required=False)
@blp.response(200, SessionOut)
def attendance(payload: dict, session_id: uuid.UUID) -> dict:
    """A party (or their lawyer) confirms whether they will attend."""
    return sessions.confirm_attendance(session_id=session_id, actor=current_principal(), **payload)


@blp.route("/sessions/<uuid:session_id>/held", methods=["POST"])
@login_required()
@blp.arguments(HeldIn, required=False)
@blp.response(200, SessionOut)
def held(payload: dict, session_id: uuid.UUID) -> dict:
    """The mediator records that the session took place and who attended."""
    return sessions.mark_held(session_id=session_id, actor=current_principal(), **payload)


@blp.route("/me/schedule", methods=["GET"])
@login_required()
@blp.arguments(RangeArgs, location="query")
@blp.response(200, ScheduleOut)
def schedule(args: dict) -> dict:
    """The caller's sessions in a range (as mediator, party or lawyer), across all cases."""
    return queries.my_schedule(actor=current_principal(), starts=args.get("starts"), ends=args.get("ends"))


@blp.route("/mediators/<uuid:mediator_id>/availability", methods=["GET"])
@login_required()
@blp.arguments(AvailabilityArgs, location="query")
@blp.response(200, AvailabilityOut)
def free_slots(args: dict, mediator_id: uuid.UUID) -> dict:
    """Free slots in the mediator's working hours (id: the directory's mediator id or the mediator's user id)."""
    return availability.free_slots(
        actor=current_principal(),
        mediator_id=mediator_id,
        starts=args.get("starts"),
        ends=args.get("ends"),
        slot_minutes=args.get("slot_minutes"),
        case_id=args.get("case_id"),
    )


@blp.route("/me/unavailability", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(UnavailabilityIn)
@blp.response(201, UnavailabilityOut)
def add_unavailability(payload: dict) -> object:
    """Declare dates you cannot attend (a mediator's time off too)."""
    return availability.add_unavailability(actor=current_principal(), reason=payload.get("reason"), **_period(payload))


def _period(payload: dict) -> dict:
    return {"starts_at": payload["starts_at"], "ends_at": payload["ends_at"]}


@blp.route("/me/unavailability", methods=["GET"])
@login_required()
@blp.response(200, UnavailabilityOut(many=True))
def list_unavailability() -> list:
    """Your declared periods that are not over yet."""
    return availability.list_unavailability(actor=current_principal())


@blp.route("/me/unavailability/<uuid:unavailability_id>", methods=["DELETE"])
@login_required()
@blp.response(204)
def delete_unavailability(unavailability_id: uuid.UUID) -> None:
    """Withdraw one of your periods."""
    availability.delete_unavailability(actor=current_principal(), unavailability_id=unavailability_id)


@blp.route("/me/working-hours", methods=["PUT"])
@login_required(role=MEDIATOR)
@blp.arguments(WorkingHoursIn)
@blp.response(200, WorkingHoursOut)
def set_working_hours(payload: dict) -> dict:
    """Replace your weekly working hours (mediators; local Asia/Shanghai times)."""
    hours = availability.set_working_hours(actor=current_principal(), hours=payload["hours"])
    return {"time_zone": str(SHANGHAI), "hours": hours}


@blp.route("/me/working-hours", methods=["GET"])
@login_required(role=MEDIATOR)
@blp.response(200, WorkingHoursOut)
def working_hours() -> dict:
    """Your weekly working hours (mediators)."""
    return {"time_zone": str(SHANGHAI), "hours": availability.working_hours(actor=current_principal())}
