"""Work queues of mediation: an organisation's unassigned disputes, a mediator's open offers."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select

from app.cases import Case
from app.extensions import db
from app.mediation import directory as mediation_directory
from app.mediation.assignment import OPEN_FOR_ASSIGNMENT, assignment_view
from app.mediation.models import MediatorAssignment
from app.platform.pagination import Page, newest_first
from app.security import permissions
from app.security.permissions import Principal


def unassigned_cases(*, org_id: uuid.UUID, actor: Principal, cursor: str | None, limit: int | None) -> Page:
    """The organisation's disputes with no mediator and no open offer: new ones, and ones a mediator declined."""
    if not permissions.may_manage_org(actor, org_id):
        raise mediation_directory.org_not_found()
    mediation_directory.active_org(org_id)
    open_offer = exists().where(MediatorAssignment.case_id == Case.id, MediatorAssignment.status == "pending")
    query = select(Case).where(
        Case.org_id == org_id, Case.kind == "mediation", Case.status.in_(OPEN_FOR_ASSIGNMENT), ~open_offer
    )
    page = newest_first(query, at_column=Case.submitted_at, id_column=Case.id, cursor=cursor, limit=limit)
    declines: dict[uuid.UUID, list[MediatorAssignment]] = {}
    for row in db.session.scalars(
        select(MediatorAssignment)
        .where(MediatorAssignment.case_id.in_([c.id for c in page.items]), MediatorAssignment.status == "declined")
        .order_by(MediatorAssignment.responded_at)
    ):
        declines.setdefault(row.case_id, []).append(row)
    items = [_queue_item(case, declines.get(case.id, [])) for case in page.items]
    return Page(items=items, next_cursor=page.next_cursor)


def _queue_item(case: Case, declined: list[MediatorAssignment]) -> dict:
    return {
        "id": case.id,
        "title": case.title,
        "category": case.category,
        "status": case.status,
        "submitted_at": case.submitted_at,
        "declines": [{"at": d.responded_at, "reason": d.decline_reason, "mediator_id": d.profile_id} for d in declined],
    }


def my_offers(*, actor: Principal, cursor: str | None, limit: int | None) -> Page:
    """Cases offered to the caller as mediator and not yet answered, newest first."""
    if not permissions.is_user(actor):
        return Page(items=[], next_cursor=None)
    query = (
        select(MediatorAssignment)
        .join(Case, Case.id == MediatorAssignment.case_id)
        .where(
            MediatorAssignment.mediator_user_id == actor.user_id,
            MediatorAssignment.status == "pending",
            Case.status.in_(OPEN_FOR_ASSIGNMENT),
        )
    )
    page = newest_first(
        query, at_column=MediatorAssignment.created_at, id_column=MediatorAssignment.id, cursor=cursor, limit=limit
    )
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_([a.case_id for a in page.items])))}
    items = [
        {
            **assignment_view(a),
            "case": {k: getattr(cases[a.case_id], k) for k in ("id", "title", "category", "submitted_at")},
        }
        for a in page.items
    ]
    return Page(items=items, next_cursor=page.next_cursor)
