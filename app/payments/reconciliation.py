"""The daily reconciliation: WeChat Pay's trade bill for a day against the fee ledger.

Each payment in the bill (trade state SUCCESS) must be a "paid" ledger entry with the same transaction id
and amount; each refund in the bill (REFUND) a "refunded" entry of the same refund and amount; and each
payment or refund the ledger booked for that day (by WeChat's success time, China Standard Time) must be in
the bill. Every difference becomes an item of the day's report: missing_in_ledger, missing_in_bill or
amount_mismatch, with the case and court when the order is known. A run never changes the ledger: the court's
finance staff look at the report (court route) and correct by hand, through the fee ledger's own entries.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.fees import LedgerEntry
from app.integrations.wechatpay import WeChatPayError
from app.payments import client
from app.payments.models import PaymentOrder, PaymentRefund, ReconciliationReport
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def run(*, bill_date: dt.date) -> dict:
    """Download the day's bill, compare it with the ledger and keep the report (a new one per run)."""
    report = ReconciliationReport(bill_date=bill_date, created_at=clock.now(), status="failed", items=[])
    try:
        rows = client.current().trade_bill(bill_date.isoformat())
    except WeChatPayError as exc:
        log.warning("wechatpay bill %s failed: %s", bill_date, exc)
        report.error = f"{exc.code}: {exc.message}"[:500]
        rows = None
    if rows is not None:
        items, ledger_rows = compare(rows, bill_date)
        report.items, report.bill_rows, report.ledger_rows = items, len(rows), ledger_rows
        report.status = "differences" if items else "balanced"
    db.session.add(report)
    db.session.commit()
    return view(report, items=report.items)


def _entries(kind: str, references: set[str]) -> dict[str, LedgerEntry]:
    if not references:
        return {}
    query = select(LedgerEntry).where(LedgerEntry.kind == kind, LedgerEntry.reference.in_(references))
    return {entry.reference or "": entry for entry in db.session.scalars(query)}


def compare(rows: list[dict], bill_date: dt.date) -> tuple[list[dict], int]:
    """The differences between a bill's rows and the ledger, and how many ledger entries the day has."""
    start = dt.datetime.combine(bill_date, dt.time(), SHANGHAI)
    end = start + dt.timedelta(days=1)
    day_orders = list(
        db.session.scalars(
            select(PaymentOrder).where(
                PaymentOrder.transaction_id.is_not(None), PaymentOrder.paid_at >= start, PaymentOrder.paid_at < end
            )
        )
    )
    day_refunds = list(
        db.session.scalars(
            select(PaymentRefund).where(
                PaymentRefund.status == "succeeded",
                PaymentRefund.succeeded_at >= start,
                PaymentRefund.succeeded_at < end,
            )
        )
    )
    payments = [row for row in rows if row.get("trade_state") == "SUCCESS"]
    refunds = [row for row in rows if row.get("trade_state") == "REFUND" and row.get("out_refund_no")]
    by_trade_no = _orders({row["out_trade_no"] for row in rows} | {o.out_trade_no for o in day_orders})
    paid = _entries(
        "paid",
        {f"wxpay:{row['transaction_id']}" for row in payments} | {f"wxpay:{o.transaction_id}" for o in day_orders},
    )
    refund_rows = _refunds({row["out_refund_no"] for row in refunds} | {r.out_refund_no for r in day_refunds})
    refunded = _entries("refunded", {f"wxrefund:{r.refund_id}" for r in refund_rows.values()})
    items: list[dict] = []
    seen: set[str] = set()
    for row in payments:
        entry = paid.get(f"wxpay:{row['transaction_id']}")
        seen.add(row["transaction_id"])
        _check(items, "payment", row, row["total_fen"], entry, by_trade_no.get(row["out_trade_no"]))
    for row in refunds:
        refund = refund_rows.get(row["out_refund_no"])
        entry = refunded.get(f"wxrefund:{refund.refund_id}") if refund is not None else None
        seen.add(row["out_refund_no"])
        _check(items, "refund", row, row["refund_fen"], entry, by_trade_no.get(row["out_trade_no"]))
    for order in day_orders:
        entry = paid.get(f"wxpay:{order.transaction_id}")
        if order.transaction_id not in seen and entry is not None:
            row = {"out_trade_no": order.out_trade_no, "transaction_id": order.transaction_id}
            items.append(_item("missing_in_bill", "payment", row, None, entry.amount_fen, order))
    for refund in day_refunds:
        entry = refunded.get(f"wxrefund:{refund.refund_id}")
        if refund.out_refund_no not in seen and entry is not None:
            refunded_order = db.session.get(PaymentOrder, refund.order_id)
            row = {
                "out_trade_no": refunded_order.out_trade_no if refunded_order else "",
                "out_refund_no": refund.out_refund_no,
            }
            items.append(_item("missing_in_bill", "refund", row, None, entry.amount_fen, refunded_order))
    return items, len(day_orders) + len(day_refunds)


def _check(
    items: list, kind: str, row: dict, bill_fen: int, entry: LedgerEntry | None, order: PaymentOrder | None
) -> None:
    if entry is None:
        items.append(_item("missing_in_ledger", kind, row, bill_fen, None, order))
    elif entry.amount_fen != bill_fen:
        items.append(_item("amount_mismatch", kind, row, bill_fen, entry.amount_fen, order))


def _item(
    difference: str, kind: str, row: dict, bill_fen: int | None, ledger_fen: int | None, order: PaymentOrder | None
) -> dict:
    return {
        "difference": difference,
        "kind": kind,
        "out_trade_no": row.get("out_trade_no") or None,
        "transaction_id": row.get("transaction_id") or None,
        "out_refund_no": row.get("out_refund_no") or None,
        "bill_fen": bill_fen,
        "ledger_fen": ledger_fen,
        "case_id": str(order.case_id) if order else None,
        "court_id": str(order.court_id) if order and order.court_id else None,
    }


def _orders(numbers: set[str]) -> dict[str, PaymentOrder]:
    numbers.discard("")
    if not numbers:
        return {}
    return {
        o.out_trade_no: o
        for o in db.session.scalars(select(PaymentOrder).where(PaymentOrder.out_trade_no.in_(numbers)))
    }


def _refunds(numbers: set[str]) -> dict[str, PaymentRefund]:
    if not numbers:
        return {}
    query = select(PaymentRefund).where(PaymentRefund.out_refund_no.in_(numbers))
    return {r.out_refund_no: r for r in db.session.scalars(query)}


def visible_items(report: ReconciliationReport, actor: Principal) -> list[dict]:
    """A court's staff see the differences of their courts' cases and those no case explains."""
    courts = {str(court) for court in permissions.staff_court_ids(actor)}
    return [item for item in report.items or [] if item.get("court_id") in (None, *courts)]


def list_reports(*, actor: Principal, limit: int = 30) -> list[dict]:
    """The latest reports, newest first, each with the differences the caller may see."""
    query = select(ReconciliationReport).order_by(ReconciliationReport.created_at.desc()).limit(limit)
    return [view(report, items=visible_items(report, actor)) for report in db.session.scalars(query)]


def list_all(*, actor: Principal, limit: int = 90) -> list[dict]:
    """Platform operators: the latest reports with every difference, whatever court (platform admins only).

    Anyone else is answered as every other administration route answers them: as if nothing were there."""
    if not permissions.is_platform_admin(actor):
        raise NotFound("Not found.", reason="resource.not_found")
    query = select(ReconciliationReport).order_by(ReconciliationReport.created_at.desc()).limit(limit)
    return [view(report, items=list(report.items or [])) for report in db.session.scalars(query)]


def get(*, report_id: uuid.UUID, actor: Principal) -> dict:
    """One report with the differences the caller may see."""
    report = db.session.get(ReconciliationReport, report_id)
    if report is None:
        raise NotFound("No such reconciliation report.", reason="payments.report_not_found")
    return view(report, items=visible_items(report, actor))


def view(report: ReconciliationReport, *, items: list[dict]) -> dict:
    """A report as the route returns it."""
    return {
        "id": report.id,
        "bill_date": report.bill_date,
        "created_at": report.created_at,
        "status": report.status,
        "bill_rows": report.bill_rows,
        "ledger_rows": report.ledger_rows,
        "error": report.error,
        "differences": items,
    }
