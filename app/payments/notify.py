"""WeChat Pay's notifications (payments and refunds): believed only once verified, booked once.

`receive` checks the signature against the platform public key (or certificate), the timestamp against
WECHATPAY_NOTIFY_WINDOW_SECONDS, and decrypts the AES-256-GCM resource with the APIv3 key (the client does
all three). A forged, late or malformed notification is refused with 401 (WeChat Pay treats any non-2xx as
"not received" and retries; a forger learns nothing). The signed message's nonce is kept: the same signed
message delivered again is a replay and refused the same way, while WeChat Pay's own retries (new nonce,
new signature) are answered 204 like the first, so duplicates and out-of-order deliveries book nothing twice
(the ledger's (kind, reference) is unique as well).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.errors import Unauthorized
from app.extensions import db
from app.integrations.wechatpay import Notification, NotificationRejected
from app.payments import client, events, orders, refunds
from app.payments.models import PaymentNotification
from app.utils import clock

log = logging.getLogger(__name__)
# Why a notification was not believed -> the reason answered (literal, so the OpenAPI document can list them).
REFUSALS = {
    "forged": "payments.notification_forged",
    "late": "payments.notification_late",
    "malformed": "payments.notification_malformed",
    "replayed": "payments.notification_replayed",
}


def receive(*, headers: Mapping[str, str], body: str) -> str:
    """Verify, record and book one notification; return what it did. Raises Unauthorized when not believed."""
    try:
        note = client.current().parse_notification(headers, body)
    except NotificationRejected as exc:
        _refuse(exc.reason, headers)
    if db.session.scalar(select(PaymentNotification.id).where(PaymentNotification.nonce == note.nonce)):
        _refuse("replayed", headers)
    outcome = _book(note)
    row = PaymentNotification(
        nonce=note.nonce,
        notification_id=note.id[:64],
        event_type=note.event_type[:32],
        out_trade_no=str(note.resource.get("out_trade_no", ""))[:64] or None,
        outcome=outcome,
        received_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same signed message racing itself
        db.session.rollback()
        _refuse("replayed", headers)
    db.session.commit()
    events.flush()
    return outcome


def _book(note: Notification) -> str:
    if note.event_type == "TRANSACTION.SUCCESS":
        return orders.apply_transaction(note.resource, source="notification")
    if note.event_type.startswith("REFUND."):
        return refunds.apply_refund(note.resource, source="notification")
    return "ignored"


def _refuse(reason: str, headers: Mapping[str, str]) -> None:
    log.warning("wechatpay notification refused (%s), serial %r", reason, headers.get("Wechatpay-Serial", ""))
    audit.record_now("payment.notification_refused", actor_kind="system", details={"reason": reason})
    raise Unauthorized("The notification could not be verified.", reason=REFUSALS.get(reason, REFUSALS["forged"]))
