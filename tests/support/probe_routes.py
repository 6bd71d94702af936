"""Routes mounted only in tests, to drive the error handlers and decorators through real HTTP wiring."""

from __future__ import annotations

import datetime as dt
import threading
import time

from flask import Flask
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.errors import Conflict
from app.extensions import db, limiter
from app.platform.models import IdempotencyRecord
from app.utils import clock
from miniprogram_api.deprecation import deprecated
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.base import InSchema

blp = Blueprint("probe", __name__, url_prefix="/api/probe")
calls = {"count": 0}
calls_lock = threading.Lock()


class EchoIn(InSchema):
    """A schema with typical constraints."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=20))
    amount = fields.Integer(validate=validate.Range(min=0))
    slow = fields.Boolean(load_default=False)


@blp.route("/echo", methods=["POST"])
@idempotent()
@blp.arguments(EchoIn)
@blp.response(201)
def echo(payload: dict) -> dict:
    """Echo validated input; counts executions so tests can prove 'exactly once'."""
    with calls_lock:
        calls["count"] += 1
        number = calls["count"]
    if payload.get("slow"):
        time.sleep(0.3)
    return {"title": payload["title"], "execution": number}


class WriteIn(InSchema):
    """A write with a place to fail: before or after its commit."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=100))


hooks: dict = {}  # tests set "before_commit" / "after_commit" callables to fail the write there


@blp.route("/write", methods=["POST"])
@idempotent()
@blp.arguments(WriteIn)
@blp.response(201)
def write(payload: dict) -> dict:
    """Write one row (a court named by the title) and commit; no key of its own, so only the layer dedups."""
    import uuid

    from app.identity import Court

    court = Court(code=uuid.uuid4().hex[:16], name=payload["title"], region="probe")
    db.session.add(court)
    db.session.flush()
    if hook := hooks.get("before_commit"):
        hook()
    db.session.commit()
    if hook := hooks.get("after_commit"):
        hook()
    return {"id": str(court.id), "title": court.name}


@blp.route("/must-key", methods=["POST"])
@idempotent(required=True)
@blp.response(201)
def must_key() -> dict:
    """A write that demands an Idempotency-Key."""
    return {"ok": True}


@blp.route("/boom", methods=["POST"])
def boom() -> dict:
    """Write a row, then fail unexpectedly: the row must not survive."""
    now = clock.now()
    db.session.add(IdempotencyRecord(scope="boom", key="k", fingerprint="f", locked_until=now, expires_at=now))
    db.session.flush()
    raise RuntimeError("secret internals: /srv/app.py line 42")


@blp.route("/conflict", methods=["POST"])
def conflict() -> dict:
    """Raise a domain conflict."""
    raise Conflict("Case is in state 'accepted'.", reason="case.illegal_transition", errors={"state": ["accepted"]})


@blp.route("/limited", methods=["GET"])
@limiter.limit("2 per minute")
def limited() -> dict:
    """A rate-limited route."""
    return {"ok": True}


@blp.route("/upload", methods=["POST"])
def upload() -> dict:
    """Read the body (so MAX_CONTENT_LENGTH applies)."""
    from flask import request

    return {"size": len(request.get_data())}


@blp.route("/deprecated", methods=["GET"])
@deprecated(since=dt.date(2026, 12, 1), sunset=dt.date(2027, 6, 1), successor="/api/probe/echo")
def old_route() -> dict:
    """A deprecated route: answers as before, with Deprecation and Sunset headers."""
    from flask import request

    if request.args.get("fail"):
        raise Conflict("Case is in state 'accepted'.", reason="case.illegal_transition")
    return {"ok": True}


def mount(app: Flask) -> None:
    """Register the probe blueprint on a fresh test app."""
    calls["count"] = 0
    app.extensions["microcourt.api"].register_blueprint(blp)
