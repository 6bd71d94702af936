"""12368 hotline operators: record calls and file cases on a caller's behalf; list their own calls."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from app.hotline import calls
from miniprogram_api.auth import HOTLINE_OPERATOR, current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.hotline import HotlineCallIn, HotlineCallOut, HotlineCallPage
from miniprogram_api.schemas.pages import CursorArgs

blp = Blueprint("court_hotline", __name__, description="12368 hotline: assisted filing for callers.")


@blp.route("/hotline/calls", methods=["POST"])
@login_required(role=HOTLINE_OPERATOR)
@idempotent()
@blp.arguments(HotlineCallIn)
@blp.response(201, HotlineCallOut)
def record_call(payload: dict) -> dict:
    """Record a call; with `create_case`, file it for the caller, who gets a claim code by SMS (operators only)."""
    return calls.record_call(actor=current_principal(), creation_key=request.headers.get("Idempotency-Key"), **payload)


@blp.route("/hotline/calls", methods=["GET"])
@login_required(role=HOTLINE_OPERATOR)
@blp.arguments(CursorArgs, location="query")
@blp.response(200, HotlineCallPage)
def list_calls(args: dict) -> object:
    """The operator's own calls, newest first (404 for anyone who is not a hotline operator)."""
    return calls.list_calls(actor=current_principal(), cursor=args.get("cursor"), limit=args.get("limit"))
