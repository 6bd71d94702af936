"""Webhooks to court systems: a court's subscriptions, and signed deliveries of events (any domain's, registered
in `events`) sent and retried on the outbox engine. Knows nothing of documents: they hand it their events.

Other packages import only what `__all__` names: the modules listed (`from app.webhooks import <module>`) and the
names re-exported below.
"""

from app.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = ["WebhookDelivery", "WebhookSubscription", "deliveries", "events", "subscriptions"]
