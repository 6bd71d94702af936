"""A court's webhook subscriptions: create, list, change URL or events, pause and resume, delete, rotate the secret.

Deleting keeps the row (status `deleted`) so the subscription's delivery history stays readable; its pending
deliveries are cancelled and it is no longer listed or manageable. Pausing (`active: false`, status `paused`)
cancels the pending deliveries too and records no new ones until it is resumed: nothing is backfilled. A
rotated secret signs every delivery sent from then on, retries of older events included (no overlap period).
Every change is an audit event (`webhook.*`) that names the URL's host only, never a secret.
"""

from __future__ import annotations

import secrets
import urllib.parse
import uuid

from sqlalchemy import select, update

from app.audit import log as audit
from app.cases import access as case_access
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.integrations import webhooks as http
from app.platform import settings
from app.security import permissions, pii
from app.security.permissions import Principal
from app.utils import clock
from app.webhooks import events as webhook_events
from app.webhooks.deliveries import SECRET_FIELD
from app.webhooks.models import WebhookDelivery, WebhookSubscription

OBJECT_TYPE = "webhook_subscription"


def subscribe(*, actor: Principal, url: str, events: list[str], court_id: uuid.UUID | None) -> dict:
    """Register an endpoint for the caller's court; the secret is shown once."""
    court_id = _court_of(actor, court_id)
    errors = input_errors(url=url, events=events)
    if errors:
        raise ValidationFailed(errors=errors)
    secret = _new_secret()
    subscription = WebhookSubscription(
        court_id=court_id,
        url=url,
        events=sorted(set(events)),
        secret_enc=pii.encrypt(secret, field=SECRET_FIELD),
        created_by=actor.scope,
    )
    db.session.add(subscription)
    db.session.flush()
    _audit("webhook.created", actor, subscription, events=subscription.events)
    db.session.commit()
    return {**view(subscription), "secret": secret}


def _court_of(actor: Principal, court_id: uuid.UUID | None) -> uuid.UUID:
    courts = _served_courts(actor)
    if not courts:
        raise Forbidden("Only a court's clerks and court systems manage its webhooks.", reason="webhook.forbidden")
    if court_id is None and len(courts) == 1:
        return courts[0]
    if court_id is None:
        raise ValidationFailed(errors={"court_id": ["Name the court: you act for several."]})
    if court_id not in courts:
        raise case_access.not_found()
    return court_id


def _served_courts(actor: Principal) -> list[uuid.UUID]:
    return [court for court in permissions.staff_court_ids(actor) if permissions.may_serve_documents(actor, court)]


def list_subscriptions(*, actor: Principal) -> list[dict]:
    """The subscriptions (not deleted ones) of the courts the caller serves documents for."""
    courts = _served_courts(actor)
    if not courts:
        return []
    query = select(WebhookSubscription).where(
        WebhookSubscription.court_id.in_(courts), WebhookSubscription.status != "deleted"
    )
    return [view(row) for row in db.session.scalars(query.order_by(WebhookSubscription.created_at))]


def view(subscription: WebhookSubscription) -> dict:
    """A subscription without its secret."""
    return {
        "webhook_id": subscription.id,
        "court_id": subscription.court_id,
        "url": subscription.url,
        "events": subscription.events,
        "status": subscription.status,
        "disabled_reason": subscription.disabled_reason,
    }


def input_errors(*, url: str | None, events: list[str] | None) -> dict[str, list[str]]:
    """Field errors for a URL and an event list (None: not sent): the same rules on create and on change."""
    errors: dict[str, list[str]] = {}
    if url is not None:
        config = settings.webhooks()
        problem = http.check_url(url, allowed_hosts=config.allowed_hosts, allow_http=config.allow_http)
        if problem:
            errors["url"] = [problem]
    unknown = sorted(set(events or ()) - webhook_events.known() - {"*"})
    if unknown:
        errors["events"] = [f"Unknown events: {', '.join(unknown)}."]
    return errors


def not_found() -> NotFound:
    """The one answer for unknown, deleted and other courts' subscriptions."""
    return NotFound("No such webhook.", reason="webhook.not_found")


def owned(*, actor: Principal, webhook_id: uuid.UUID) -> WebhookSubscription:
    """A live subscription of a court the caller serves documents for (404 otherwise)."""
    subscription = db.session.get(WebhookSubscription, webhook_id)
    if (
        subscription is None
        or subscription.status == "deleted"
        or not permissions.may_serve_documents(actor, subscription.court_id)
    ):
        raise not_found()
    return subscription


def update_subscription(
    *,
    actor: Principal,
    webhook_id: uuid.UUID,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
) -> dict:
    """Change the URL or events, pause (`active` false) or resume; says when it resumes after a 410."""
    subscription = owned(actor=actor, webhook_id=webhook_id)
    errors = input_errors(url=url, events=events)
    if errors:
        raise ValidationFailed(errors=errors)
    changed: list[str] = []
    if url is not None and url != subscription.url:
        subscription.url = url
        changed.append("url")
    if events is not None and sorted(set(events)) != subscription.events:
        subscription.events = sorted(set(events))
        changed.append("events")
    reactivated_after = None
    if active is True and subscription.status != "active":
        if subscription.status == "disabled":
            reactivated_after = subscription.disabled_reason or "disabled"
        subscription.status, subscription.disabled_at, subscription.disabled_reason = "active", None, None
        changed.append("resumed")
    elif active is False and subscription.status == "active":
        subscription.status, subscription.disabled_at = "paused", clock.now()
        subscription.disabled_reason = "paused by the court"
        _cancel_pending(subscription.id, "subscription paused")
        changed.append("paused")
    if changed:
        extra = {"reactivated_after": reactivated_after} if reactivated_after else {}
        _audit("webhook.updated", actor, subscription, changed=changed, **extra)
    db.session.commit()
    notice = None
    if reactivated_after:
        notice = f"Re-activated after it was disabled ({reactivated_after}); deliveries cancelled then are not re-sent."
    return {**view(subscription), "notice": notice}


def delete_subscription(*, actor: Principal, webhook_id: uuid.UUID) -> None:
    """End a subscription: its pending deliveries are cancelled, its delivered history is kept."""
    subscription = owned(actor=actor, webhook_id=webhook_id)
    subscription.status, subscription.disabled_at = "deleted", clock.now()
    subscription.disabled_reason = "deleted by the court"
    cancelled = _cancel_pending(subscription.id, "subscription deleted")
    _audit("webhook.deleted", actor, subscription, cancelled_deliveries=cancelled)
    db.session.commit()


def rotate_secret(*, actor: Principal, webhook_id: uuid.UUID) -> dict:
    """A new signing secret, shown once; it signs every delivery from now on (the old one stops at once)."""
    subscription = owned(actor=actor, webhook_id=webhook_id)
    secret = _new_secret()
    subscription.secret_enc = pii.encrypt(secret, field=SECRET_FIELD)
    _audit("webhook.secret_rotated", actor, subscription)
    db.session.commit()
    return {**view(subscription), "secret": secret}


def _cancel_pending(subscription_id: uuid.UUID, reason: str) -> int:
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == "pending")
        .values(status="cancelled", last_error=reason, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; Session.execute is typed as Result


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _audit(action: str, actor: Principal, subscription: WebhookSubscription, **details: object) -> None:
    """Only the URL's host goes into the audit log (a path or query may carry a receiver's token)."""
    try:
        host = (urllib.parse.urlsplit(subscription.url).hostname or "")[:120]
    except ValueError:
        host = ""
    details = {"court_id": str(subscription.court_id), "host": host, **details}
    audit.record(action, actor=actor, object_type=OBJECT_TYPE, object_id=subscription.id, details=details)
