"""Payments: WeChat Pay orders and their wx.requestPayment parameters, refunds, receipts, reconciliation."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema

ORDER_STATUSES = ("pending", "paid", "closed")
CHANNELS = ("jsapi", "h5", "native")


class PayParamsOut(OutSchema):
    """Exactly what wx.requestPayment takes (appId is signed and given for the record; the mini-program has it)."""

    appId = fields.String()  # WeChat's names
    timeStamp = fields.String()
    nonceStr = fields.String()
    package = fields.String(metadata={"description": "prepay_id=..."})
    signType = fields.String(metadata={"description": "Always RSA."})
    paySign = fields.String()


class OrderOut(OutSchema):
    """A payment order: its state is what WeChat Pay confirmed (notification or query), never the phone's word."""

    id = fields.UUID()
    out_trade_no = fields.String()
    case_id = fields.UUID()
    party_id = fields.UUID()
    notice_id = fields.UUID(allow_none=True)
    amount_fen = fields.Integer(metadata={"description": "Integer fen (1 yuan = 100 fen)."})
    description = fields.String()
    channel = fields.String(
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "jsapi (mini-program), h5 (phone browser outside WeChat) or native (QR code)."},
    )
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    pay_url_expires_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "h5 and native: when h5_url / code_url stops working."}
    )
    paid_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    close_reason = fields.String(allow_none=True)
    transaction_id = fields.String(allow_none=True)
    receipt_no = fields.String(allow_none=True, metadata={"description": "The 电子票据 number, once issued."})
    receipt_recorded_at = fields.AwareDateTime(allow_none=True)


class NewOrderIn(InSchema):
    """How the payer will pay (no body: jsapi, the mini-program)."""

    channel = fields.String(
        load_default="jsapi",
        validate=validate.OneOf(CHANNELS),
        metadata={
            "description": "jsapi: wx.requestPayment in the mini-program (needs a WeChat login); h5: a phone "
            "browser outside WeChat opens h5_url; native: the person scans code_url (code_qr_png) with WeChat."
        },
    )


class NewOrderOut(OrderOut):
    """A new (or still valid) order with what paying it needs: one of pay_params, h5_url or code_url."""

    pay_params = fields.Nested(PayParamsOut, metadata={"description": "jsapi only."})
    h5_url = fields.String(
        metadata={"description": "h5 only: open it in the phone's browser (WeChat takes over); it returns to /h5/."}
    )
    code_url = fields.String(metadata={"description": "native only: weixin://wxpay/bizpayurl?pr=..., to scan."})
    code_qr_png = fields.String(
        metadata={"description": "native only: code_url as a QR code, a data:image/png;base64,... URL."}
    )


class RefundIn(InSchema):
    """How much of the order to pay back, and why (e.g. half after a mediated settlement)."""

    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**11))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=80))


class RefundOut(OutSchema):
    """A refund; `succeeded` once WeChat Pay confirmed it (then it is in the ledger)."""

    id = fields.UUID()
    order_id = fields.UUID()
    out_refund_no = fields.String()
    refund_id = fields.String(allow_none=True)
    amount_fen = fields.Integer()
    reason = fields.String()
    status = fields.String(
        validate=validate.OneOf(("requested", "processing", "succeeded", "closed", "abnormal", "declined"))
    )
    created_at = fields.AwareDateTime()
    succeeded_at = fields.AwareDateTime(allow_none=True)


class ProposedRefundOut(RefundOut):
    """A refund in the court's queue (proposed after a lower fee: `requested`, waiting for approval), with its case."""

    case_id = fields.UUID()
    party_id = fields.UUID()


class RefundDeclineIn(InSchema):
    """Why the court does not refund a proposed refund (shown on the case timeline)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ProposedRefundQuery(InSchema):
    """Which refunds to list: `requested` (waiting for approval, the default) or `processing` / `abnormal`."""

    status = fields.String(
        load_default="requested",
        validate=validate.OneOf(("requested", "processing", "abnormal", "closed", "declined")),
    )
    court_id = fields.UUID(load_default=None)


class CasePaymentOut(OrderOut):
    """An order of a case with its refunds (court view)."""

    refunds = fields.List(fields.Nested(RefundOut))


class ReceiptIn(InSchema):
    """The 电子票据 number the court's finance system issued for the payment."""

    receipt_no = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z-]{4,64}$"))


class ReconcileIn(InSchema):
    """The day whose bill to reconcile (China Standard Time)."""

    bill_date = fields.Date(required=True)


class DifferenceOut(OutSchema):
    """One difference between the bill and the ledger."""

    difference = fields.String(validate=validate.OneOf(("missing_in_ledger", "missing_in_bill", "amount_mismatch")))
    kind = fields.String(validate=validate.OneOf(("payment", "refund")))
    out_trade_no = fields.String(allow_none=True)
    transaction_id = fields.String(allow_none=True)
    out_refund_no = fields.String(allow_none=True)
    bill_fen = fields.Integer(allow_none=True)
    ledger_fen = fields.Integer(allow_none=True)
    case_id = fields.String(allow_none=True)
    court_id = fields.String(allow_none=True)


class ReconciliationOut(OutSchema):
    """A day's reconciliation: balanced, differences (listed) or failed (the bill could not be had: error)."""

    id = fields.UUID()
    bill_date = fields.Date()
    created_at = fields.AwareDateTime()
    status = fields.String(validate=validate.OneOf(("balanced", "differences", "failed")))
    bill_rows = fields.Integer()
    ledger_rows = fields.Integer()
    error = fields.String(allow_none=True)
    differences = fields.List(fields.Nested(DifferenceOut))
