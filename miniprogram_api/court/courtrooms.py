"""Courtrooms of a court: its clerks and court system keep the list hearings book from."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.scheduling import courtrooms
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.hearings import CourtroomArgs, CourtroomIn, CourtroomOut, CourtroomUpdateIn

blp = Blueprint("court_courtrooms", __name__, description="Courtrooms (法庭) of the court.")
STAFF = ("user", "machine")


@blp.route("/courtrooms", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(CourtroomIn)
@blp.response(201, CourtroomOut)
def create(payload: dict) -> object:
    """Add a courtroom (clerks and the court system); names are unique per court."""
    return courtrooms.create(actor=current_principal(), **payload)


@blp.route("/courtrooms", methods=["GET"])
@login_required(kinds=STAFF)
@blp.arguments(CourtroomArgs, location="query")
@blp.response(200, CourtroomOut(many=True))
def list_rooms(args: dict) -> list:
    """The courtrooms of the caller's courts, by name."""
    return courtrooms.list_rooms(actor=current_principal(), court_id=args.get("court_id"), active=args.get("active"))


@blp.route("/courtrooms/<uuid:courtroom_id>", methods=["PATCH"])
@login_required(kinds=STAFF)
@blp.arguments(CourtroomUpdateIn, required=False)
@blp.response(200, CourtroomOut)
def update(payload: dict, courtroom_id: uuid.UUID) -> object:
    """Rename, move or take a courtroom out of use (booked hearings keep it)."""
    return courtrooms.update(actor=current_principal(), courtroom_id=courtroom_id, changes=payload)
