"""Development only: read the console SMS outbox (404 unless DEV_SMS_OUTBOX is on)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

from app.sms import dev_outbox
from miniprogram_api.auth import public
from miniprogram_api.schemas.base import InSchema, OutSchema

blp = Blueprint("mp_dev", __name__, description="Development helpers (disabled in production).")


class OutboxArgs(InSchema):
    """Whose messages."""

    phone = fields.String(required=True)


class OutboxOut(OutSchema):
    """A console SMS."""

    template = fields.String()
    text = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.AwareDateTime()
    code = fields.String(
        allow_none=True,
        metadata={
            "description": "The code of a login or claim text (login_code, case_claim, service_claim); else null."
        },
    )


@blp.route("/dev/sms-outbox", methods=["GET"])
@public
@blp.arguments(OutboxArgs, location="query")
@blp.response(200, OutboxOut(many=True))
def sms_outbox(args: dict) -> object:
    """The latest console messages to a phone, newest first; `code` holds a login or claim code."""
    return dev_outbox.sms_outbox(phone=args["phone"])
