"""Webhook subscriptions of court systems."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.webhooks import subscriptions
from miniprogram_api.auth import WEBHOOK_MANAGER, current_principal, login_required
from miniprogram_api.schemas.webhooks import (
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookUpdatedOut,
    WebhookUpdateIn,
)

blp = Blueprint("court_webhooks", __name__, description="Signed webhook deliveries of service events.")


@blp.route("/webhooks", methods=["POST"])
@login_required(kinds=("user", "machine"), role=WEBHOOK_MANAGER)
@blp.arguments(WebhookIn)
@blp.response(201, WebhookCreatedOut)
def create(payload: dict) -> dict:
    """Subscribe an HTTPS endpoint of an allowed host to events of the caller's court; the secret is shown once."""
    return subscriptions.subscribe(
        actor=current_principal(), url=payload["url"], events=payload["events"], court_id=payload.get("court_id")
    )


@blp.route("/webhooks", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, WebhookOut(many=True))
def list_all() -> list:
    """The subscriptions of the caller's courts (without secrets)."""
    return subscriptions.list_subscriptions(actor=current_principal())


@blp.route("/webhooks/<uuid:webhook_id>", methods=["PATCH"])
@login_required(kinds=("user", "machine"))
@blp.arguments(WebhookUpdateIn, required=False)
@blp.response(200, WebhookUpdatedOut)
def update(payload: dict, webhook_id: uuid.UUID) -> dict:
    """Change the URL or events, pause (`active: false`) or resume (also after a 410, which the answer says)."""
    return subscriptions.update_subscription(actor=current_principal(), webhook_id=webhook_id, **payload)


@blp.route("/webhooks/<uuid:webhook_id>", methods=["DELETE"])
@login_required(kinds=("user", "machine"))
@blp.response(204)
def delete(webhook_id: uuid.UUID) -> None:
    """End the subscription: pending deliveries are cancelled, not sent."""
    subscriptions.delete_subscription(actor=current_principal(), webhook_id=webhook_id)


@blp.route("/webhooks/<uuid:webhook_id>/rotate-secret", methods=["POST"])
@login_required(kinds=("user", "machine"))
@blp.response(200, WebhookCreatedOut)
def rotate_secret(webhook_id: uuid.UUID) -> dict:
    """A new signing secret, shown once; it signs every delivery from now on."""
    return subscriptions.rotate_secret(actor=current_principal(), webhook_id=webhook_id)
