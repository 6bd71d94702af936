"""QR invitations: issue and revoke (mediator, court staff); preview and images (no auth); accept (rate limited)."""

from __future__ import annotations

import uuid

from flask import Response, g
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from app.extensions import limiter
from app.invitations import accept as invitations_accept
from app.invitations import issuing
from miniprogram_api.auth import current_principal, login_required, public
from miniprogram_api.idempotency import idempotent
from miniprogram_api.limits import configured
from miniprogram_api.schemas.invitations import (
    InvitationAcceptedOut,
    InvitationCreateIn,
    InvitationIssuedOut,
    InvitationPreviewOut,
    InvitationStateOut,
)

blp = Blueprint("mp_invitations", __name__, description="QR invitations to join a case.")
IMAGE_HEADERS = {"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"}


def _image(content: bytes, mimetype: str) -> Response:
    return Response(content, mimetype=mimetype, headers=IMAGE_HEADERS)


def _caller_key() -> str:
    """Rate-limit key per logged-in caller (login_required has run)."""
    return "user:" + str(g.get("principal_scope", "anonymous"))


def _image_doc(mimetype: str) -> dict:
    return {"responses": {"200": {"description": "The image", "content": {mimetype: {}}}}}


@blp.route("/cases/<uuid:case_id>/invitations", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(InvitationCreateIn)
@blp.response(201, InvitationIssuedOut)
def issue(payload: dict, case_id: uuid.UUID) -> dict:
    """Invite a named party or anyone in a role (the case's mediator, or a clerk/judge of its court)."""
    return issuing.issue(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/invitations/<uuid:invitation_id>/revoke", methods=["POST"])
@login_required()
@blp.response(200, InvitationStateOut)
def revoke(invitation_id: uuid.UUID) -> dict:
    """Revoke an invitation; it then answers 404 like an unknown one."""
    return issuing.revoke(invitation_id=invitation_id, actor=current_principal())


@blp.route("/invitations/<string:token>", methods=["GET"])
@public
@blp.response(200, InvitationPreviewOut)
def preview(token: str) -> dict:
    """What the invitation offers, without personal data (no auth: the token is the secret)."""
    return issuing.preview(token=token)


@blp.route("/invitations/<string:token>/qr.png", methods=["GET"])
@public
@blp.doc(**_image_doc("image/png"))
def qr_png(token: str) -> Response:
    """The QR code (PNG) of the invitation link."""
    return _image(issuing.qr_png(token=token), "image/png")


@blp.route("/invitations/<string:token>/qr.svg", methods=["GET"])
@public
@blp.doc(**_image_doc("image/svg+xml"))
def qr_svg(token: str) -> Response:
    """The QR code (SVG) of the invitation link."""
    return _image(issuing.qr_svg(token=token), "image/svg+xml")


@blp.route("/invitations/<string:token>/wxacode.png", methods=["GET"])
@public
@blp.doc(**_image_doc("image/png"))
def wxacode(token: str) -> Response:
    """The WeChat mini-program code opening the invitation page (when WeChat is configured)."""
    return _image(issuing.wxacode_png(token=token), "image/png")


@blp.route("/invitations/<string:token>/accept", methods=["POST"])
@login_required()
@limiter.limit(configured("INVITATION_ACCEPT_LIMIT_PER_IP"), key_func=get_remote_address)
@limiter.limit(configured("INVITATION_ACCEPT_LIMIT_PER_USER"), key_func=_caller_key)
@idempotent()
@blp.response(200, InvitationAcceptedOut)
def accept(token: str) -> dict:
    """Join the case by the QR token (a named party needs a matching verified real name)."""
    return invitations_accept.accept_token(token=token, actor=current_principal())


@blp.route("/invitations/by-code/<string:code>/accept", methods=["POST"])
@login_required()
@limiter.limit(configured("INVITATION_ACCEPT_LIMIT_PER_IP"), key_func=get_remote_address)
@limiter.limit(configured("INVITATION_ACCEPT_LIMIT_PER_USER"), key_func=_caller_key)
@idempotent()
@blp.response(200, InvitationAcceptedOut)
def accept_by_code(code: str) -> dict:
    """Join the case by the typed 8-character code."""
    return invitations_accept.accept_code(code=code, actor=current_principal())
