"""Clerk work items of electronic service: list them, and record how a held or unopened document was served."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases import Case, timeline
from app.documents import delivery, other_service
from app.documents import outbox as delivery_outbox
from app.documents import push as documents
from app.documents import states as delivery_states
from app.documents.chain import Actor
from app.documents.models import WorkItem
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.platform.pagination import Page, newest_first
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

OTHER_METHODS = ("served_by_post", "served_in_person", "served_by_phone", "served_by_announcement")
OUTCOMES = (*OTHER_METHODS, "consent_obtained", "no_action_needed")
# the method of service by other means (other_service.METHODS) each outcome records by default; 电话 is not one:
# a `served_by_phone` resolution abandons electronic service without a service time, as before
DEFAULT_METHODS = {
    "served_by_post": "by_post",
    "served_in_person": "in_person",
    "served_by_announcement": "announcement",
}


def list_items(*, actor: Principal, status: str | None, cursor: str | None, limit: int | None) -> Page:
    """Work items of the courts the caller works for, newest first."""
    courts = permissions.staff_court_ids(actor)
    if not courts:
        return Page(items=[], next_cursor=None)
    query = select(WorkItem).where(WorkItem.court_id.in_(courts))
    if status:
        query = query.where(WorkItem.status == status)
    return newest_first(query, at_column=WorkItem.created_at, id_column=WorkItem.id, cursor=cursor, limit=limit)


def resolve(
    *,
    item_id: uuid.UUID,
    outcome: str,
    note: str | None,
    actor: Principal,
    method: str | None = None,
    served_at: dt.datetime | None = None,
    announced_at: dt.datetime | None = None,
) -> WorkItem:
    """Close a work item; a document not yet served that was served another way is recorded as served.

    For `served_by_post`, `served_in_person` and `served_by_announcement` the service goes through
    `other_service.record` (same result as recording it on the document: `served_at`, chain event, timeline, audit,
    webhook, served hooks), so `served_at` (`announced_at` for an announcement) is required: 422 without it.
    `method` picks among the methods of that outcome (`lodged` for `served_in_person`); by default the outcome's own.
    `served_by_phone` only abandons electronic service (`failed`, no service time).
    """
    item = db.session.scalar(select(WorkItem).where(WorkItem.id == item_id).with_for_update())
    if item is None or not permissions.is_court_staff(actor, item.court_id):
        raise NotFound("No such work item.", reason="work_item.not_found")
    if not permissions.may_serve_documents(actor, item.court_id):
        raise Forbidden(
            "Only the court's clerks and court systems handle service work items.", reason="work_item.forbidden"
        )
    if item.status != "open":
        raise Conflict(
            "The work item is already resolved.", reason="work_item.already_resolved", errors={"status": [item.status]}
        )
    document = delivery.lock(item.document_id) if item.document_id else None
    service_method = _method_of(outcome, method) if document is not None and document.served_at is None else None
    role = documents.role_of(actor)
    if document is not None and item.kind == "document_held" and service_method is None:
        if outcome == "consent_obtained":
            if not delivery.retry_held(document):
                why = delivery.HOLD_REASONS.get(document.hold_reason or "", document.status)
                raise Conflict(f"The document still cannot be delivered: {why}", reason="document.not_deliverable")
        elif outcome in OTHER_METHODS:
            delivery_states.apply(
                document,
                "fail",
                actor=Actor.of(actor, role),
                data={"reason": "served by another method", "method": outcome},
            )
    item.status, item.outcome, item.note = "resolved", outcome, note
    item.resolved_at, item.resolved_by = clock.now(), actor.scope
    timeline.record(
        db.session.get_one(Case, item.case_id),
        "work_item.resolved",
        actor=actor,
        actor_role=role,
        summary=message("Service work item resolved: %(outcome)s", outcome=label("work_item.outcome", outcome)),
        data={"work_item_id": str(item.id), "document_id": str(item.document_id) if item.document_id else None},
    )
    if document is not None and service_method is not None:  # records the service and commits it all at once
        db.session.flush()  # the item is resolved by the clerk, not by record()'s closing of open items
        other_service.record(
            document_id=document.id,
            method=service_method,
            served_at=served_at,
            announced_at=announced_at,
            note=note,
            actor=actor,
        )
        return item
    delivery_outbox.commit()
    return item


def _method_of(outcome: str, method: str | None) -> str | None:
    """The method of service by other means this outcome records (None: no service time); 422 for a mismatch."""
    if method is None:
        return DEFAULT_METHODS.get(outcome)
    if method not in other_service.METHODS or other_service.METHODS[method].outcome != outcome:
        allowed = sorted(name for name, m in other_service.METHODS.items() if m.outcome == outcome)
        raise ValidationFailed(
            "The method of service does not match the outcome.", errors={"method": [f"one of {allowed}"]}
        )
    return method
