"""What the court sees of a case's payments."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import access as case_access
from app.extensions import db
from app.payments import refunds
from app.payments.models import PaymentOrder
from app.payments.views import order_view
from app.security import permissions
from app.security.permissions import Principal


def for_case(*, case_id: uuid.UUID, actor: Principal) -> list[dict]:
    """A case's orders with their refunds, for the staff of its court (404 for anyone else)."""
    case, _ = case_access.load(case_id, actor=actor)
    if case.court_id is None or case.court_id not in permissions.staff_court_ids(actor):
        raise case_access.not_found()
    query = select(PaymentOrder).where(PaymentOrder.case_id == case.id).order_by(PaymentOrder.created_at)
    return [{**order_view(order), "refunds": refunds.for_order(order.id)} for order in db.session.scalars(query)]
