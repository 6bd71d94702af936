"""Development only: read the console e-mail outbox (404 unless DEV_EMAIL_OUTBOX is on)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.notifications import email_outbox
from miniprogram_api.auth import public
from miniprogram_api.schemas.base import InSchema, OutSchema

blp = Blueprint("mp_dev_email", __name__, description="Development helpers (disabled in production).")


class EmailOutboxArgs(InSchema):
    """Whose messages."""

    email = fields.String(required=True, validate=validate.Length(min=3, max=254))


class EmailOutboxOut(OutSchema):
    """A console e-mail."""

    template = fields.String()
    subject = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.AwareDateTime()
    code = fields.String(
        allow_none=True, metadata={"description": "The code of a service-address confirmation; else null."}
    )


@blp.route("/dev/email-outbox", methods=["GET"])
@public
@blp.arguments(EmailOutboxArgs, location="query")
@blp.response(200, EmailOutboxOut(many=True))
def email_outbox_view(args: dict) -> object:
    """The latest console e-mails to an address, newest first; `code` holds a service-address code."""
    return email_outbox.dev_outbox(address=args["email"])
