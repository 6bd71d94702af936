"""Hearings (庭审) and pre-trial meetings (庭前会议) for court staff and court systems, and the court's calendar."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.scheduling import hearing_events, hearing_queries, hearings
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.hearings import (
    CalendarArgs,
    CalendarOut,
    HearingCancelIn,
    HearingCreateIn,
    HearingHeldIn,
    HearingOut,
    HearingPostponeIn,
)

blp = Blueprint("court_hearings", __name__, description="Hearings and pre-trial meetings, summons, the calendar.")
STAFF = ("user", "machine")


def _after(result: dict) -> dict:
    hearing_events.after_commit()
    return result


@blp.route("/cases/<uuid:case_id>/hearings", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(HearingCreateIn)
@blp.response(201, HearingOut)
def book(payload: dict, case_id: uuid.UUID) -> dict:
    """Book a hearing or pre-trial meeting; summons are served on every party (409 names who is double-booked)."""
    return _after(hearings.book(case_id=case_id, actor=current_principal(), **payload))


@blp.route("/cases/<uuid:case_id>/hearings", methods=["GET"])
@login_required(kinds=STAFF)
@blp.response(200, HearingOut(many=True))
def case_hearings(case_id: uuid.UUID) -> list:
    """The case's hearings and pre-trial meetings, earliest first."""
    return hearing_queries.case_hearings(case_id=case_id, actor=current_principal())


@blp.route("/hearings/<uuid:hearing_id>", methods=["GET"])
@login_required(kinds=STAFF)
@blp.response(200, HearingOut)
def detail(hearing_id: uuid.UUID) -> dict:
    """One hearing with attendance and the summons served."""
    return hearing_queries.detail(session_id=hearing_id, actor=current_principal())


@blp.route("/hearings/<uuid:hearing_id>/postpone", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(HearingPostponeIn)
@blp.response(200, HearingOut)
def postpone(payload: dict, hearing_id: uuid.UUID) -> dict:
    """延期开庭: a new time with the reason; summons are served again."""
    return _after(hearings.postpone(session_id=hearing_id, actor=current_principal(), **payload))


@blp.route("/hearings/<uuid:hearing_id>/cancel", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(HearingCancelIn)
@blp.response(200, HearingOut)
def cancel(payload: dict, hearing_id: uuid.UUID) -> dict:
    """Cancel a hearing (its reminders go too)."""
    return _after(hearings.cancel(session_id=hearing_id, actor=current_principal(), reason=payload["reason"]))


@blp.route("/hearings/<uuid:hearing_id>/held", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(HearingHeldIn, required=False)
@blp.response(200, HearingOut)
def held(payload: dict, hearing_id: uuid.UUID) -> dict:
    """The hearing took place: who was present and absent (absent parties' consequences recorded)."""
    return _after(hearings.hold(session_id=hearing_id, actor=current_principal(), **payload))


@blp.route("/hearings", methods=["GET"])
@login_required(kinds=STAFF)
@blp.arguments(CalendarArgs, location="query")
@blp.response(200, CalendarOut)
def calendar(args: dict) -> dict:
    """The court's hearings in a range, per judge or courtroom."""
    return hearing_queries.calendar(
        actor=current_principal(),
        starts=args.get("starts"),
        ends=args.get("ends"),
        judge_user_id=args.get("judge_user_id"),
        courtroom_id=args.get("courtroom_id"),
        include_cancelled=args["include_cancelled"],
    )
