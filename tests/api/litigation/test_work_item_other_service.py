"""A clerk resolving a held document's work item as served another way records the service, as on the document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.documents import ServedDocument, work_items
from app.documents.models import WorkItem
from app.errors import ValidationFailed
from app.extensions import db
from tests.api.litigation.support import timeline_types
from tests.api.litigation.test_other_service import _at, _decision, _held_judgment


def _item(document_id) -> WorkItem:
    return db.session.scalars(select(WorkItem).where(WorkItem.document_id == document_id)).one()


def test_resolving_as_served_by_post_counts_the_document_as_served(client, clock):
    world, held = _held_judgment(clock, _at(2026, 11, 2, 9, 0))  # a Monday
    clock.set(_at(2026, 11, 6, 15, 0))
    item = _item(held["document_id"])
    clerk = world.principal("clerk")
    with pytest.raises(ValidationFailed) as missing:  # no service time: refused, nothing changes
        work_items.resolve(item_id=item.id, outcome="served_by_post", note=None, actor=clerk)
    assert "served_at" in missing.value.errors
    db.session.rollback()
    with pytest.raises(ValidationFailed):  # 留置送达 is not a postal service
        work_items.resolve(item_id=item.id, outcome="served_by_post", note=None, actor=clerk, method="lodged")
    db.session.rollback()
    resolved = work_items.resolve(
        item_id=item.id, outcome="served_by_post", note="EMS 1", actor=clerk, served_at=_at(2026, 11, 5, 10, 0)
    )
    assert (resolved.status, resolved.outcome, resolved.resolved_by) == ("resolved", "served_by_post", clerk.scope)
    document = db.session.get_one(ServedDocument, held["document_id"])
    assert (document.status, document.served_basis) == ("failed", "by_post")
    assert document.served_at == _at(2026, 11, 5, 10, 0)
    # as through other_service.record: the appeal period runs from the postal receipt (to 11-20)
    assert _decision(world).appeal_ends_at == _at(2026, 11, 21)
    types = timeline_types(world.case.id)
    assert {"work_item.resolved", "document.served_otherwise"} <= set(types) and types.count("document.served") == 2
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.served_otherwise")).all()
    assert len(audited) == 1


def test_served_by_phone_still_only_abandons_electronic_service(client, clock):
    world, held = _held_judgment(clock, _at(2026, 11, 2, 9, 0))
    item = _item(held["document_id"])
    work_items.resolve(item_id=item.id, outcome="served_by_phone", note=None, actor=world.principal("clerk"))
    document = db.session.get_one(ServedDocument, held["document_id"])
    assert document.status == "failed" and document.served_at is None
