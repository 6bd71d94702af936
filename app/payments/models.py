"""WeChat Pay orders and refunds, the notifications received, and the daily reconciliation reports.

Amounts are integer fen. An order is one payment attempt (its out_trade_no is never reused); the money itself
is booked in the fee ledger (app.fees.ledger) with the WeChat transaction or refund id as the reference.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

ORDER_STATUSES = ("pending", "paid", "closed")
CHANNELS = ("jsapi", "h5", "native")  # wx.requestPayment in the mini-program, a phone browser's h5_url, a QR code_url
REFUND_STATUSES = ("processing", "succeeded", "closed", "abnormal")


class PaymentOrder(IdMixin, TimestampMixin, Model):
    """One order (JSAPI, H5 or Native): who pays what for which case, and what WeChat Pay said about it."""

    __tablename__ = "payment_orders"
    __table_args__ = (
        UniqueConstraint("out_trade_no"),
        UniqueConstraint("transaction_id"),
        Index(None, "status", "created_at"),
        Index(None, "case_id", "party_id"),
    )

    out_trade_no: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    court_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courts.id"))
    notice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fee_notices.id", ondelete="SET NULL"))
    payer_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(127))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    channel: Mapped[str] = mapped_column(String(8), default="jsapi", server_default="jsapi")
    prepay_id: Mapped[str | None] = mapped_column(String(64))  # jsapi
    pay_url: Mapped[str | None] = mapped_column(String(512))  # h5: WeChat's h5_url; native: its code_url
    pay_url_expires_at: Mapped[dt.datetime | None]  # an h5_url works 5 minutes, a code_url until expires_at
    expires_at: Mapped[dt.datetime]
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(32))
    last_queried_at: Mapped[dt.datetime | None]
    receipt_no: Mapped[str | None] = mapped_column(String(64))  # 电子票据 number from the court's finance system
    receipt_recorded_at: Mapped[dt.datetime | None]


class PaymentRefund(IdMixin, TimestampMixin, Model):
    """A refund of part or all of a paid order, requested by the court."""

    __tablename__ = "payment_refunds"
    __table_args__ = (UniqueConstraint("out_refund_no"), Index(None, "order_id"))

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_orders.id", ondelete="CASCADE"))
    out_refund_no: Mapped[str] = mapped_column(String(64))
    refund_id: Mapped[str | None] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="processing")
    requested_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[str] = mapped_column(String(120))  # the principal's scope (a clerk or a court system)
    succeeded_at: Mapped[dt.datetime | None]


class PaymentNotification(IdMixin, Model):
    """A verified notification, kept by its header nonce: a second delivery of the same signed message is a replay."""

    __tablename__ = "payment_notifications"
    __table_args__ = (UniqueConstraint("nonce"),)

    nonce: Mapped[str] = mapped_column(String(64))
    notification_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(32))
    out_trade_no: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime]


class ReconciliationReport(IdMixin, Model):
    """One day's bill compared with the ledger: every difference in `items`."""

    __tablename__ = "payment_reconciliations"
    __table_args__ = (Index(None, "bill_date"),)

    bill_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16))  # balanced | differences | failed
    bill_rows: Mapped[int] = mapped_column(Integer, default=0)
    ledger_rows: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
