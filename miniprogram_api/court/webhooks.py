"""Webhook subscriptions of court systems."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.services import webhooks
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.webhooks import WebhookCreatedOut, WebhookIn, WebhookOut

blp = Blueprint("court_webhooks", __name__, description="Signed webhook deliveries of service events.")


@blp.route("/webhooks", methods=["POST"])
@login_required(kinds=("user", "machine"))
@blp.arguments(WebhookIn)
@blp.response(201, WebhookCreatedOut)
def create(payload: dict) -> dict:
    """Subscribe an HTTPS endpoint of an allowed host to events of the caller's court; the secret is shown once."""
    return webhooks.subscribe(
        actor=current_principal(), url=payload["url"], events=payload["events"], court_id=payload.get("court_id")
    )


@blp.route("/webhooks", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, WebhookOut(many=True))
def list_all() -> list:
    """The subscriptions of the caller's courts (without secrets)."""
    return webhooks.list_subscriptions(actor=current_principal())
