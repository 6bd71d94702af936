"""What a court delegated and what an organisation received (newest first), and one delegation as they see it.

A sent delegation whose due date has passed reads as `expired` before anyone records it (its answer records
it), so lists and filters never show a stale `sent`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from app.cases import Case
from app.errors import NotFound
from app.extensions import db
from app.identity import MediationOrganization
from app.mediation.delegation_models import DelegationFollowup
from app.mediation.models import CourtDelegation
from app.platform.pagination import Page, newest_first
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

MEDIATED = ("accepted", "returned", "recalled")  # a recalled one shows the mediation only if it was accepted


def _today() -> dt.date:
    return clock.now_shanghai().date()


def effective_state(row: CourtDelegation, today: dt.date | None = None) -> str:
    """The state, with a sent delegation past its due date read as expired."""
    if row.state == "sent" and row.due_date < (today or _today()):
        return "expired"
    return row.state


def _state_filter(state: str | None) -> ColumnElement[bool] | None:
    """The SQL condition for one effective state (None: every state)."""
    today = _today()
    if state == "sent":
        return and_(CourtDelegation.state == "sent", CourtDelegation.due_date >= today)
    if state == "expired":
        return or_(
            CourtDelegation.state == "expired",
            and_(CourtDelegation.state == "sent", CourtDelegation.due_date < today),
        )
    return None if state is None else CourtDelegation.state == state


def list_for_court(
    *, actor: Principal, state: str | None = None, cursor: str | None = None, limit: int | None = None
) -> Page:
    """What the caller's court(s) delegated, newest first, optionally in one state."""
    courts = permissions.review_court_ids(actor)
    query = select(CourtDelegation).where(CourtDelegation.court_id.in_(courts))
    return _page(query, state=state, cursor=cursor, limit=limit)


def get_for_court(*, delegation_id: uuid.UUID, actor: Principal) -> dict:
    """One delegation of the caller's court (404 for any other)."""
    row = db.session.get(CourtDelegation, delegation_id)
    if row is None or not permissions.is_court_staff(actor, row.court_id):
        raise NotFound("No such delegation.", reason="delegation.not_found")
    return view(row)


def list_incoming(
    *, actor: Principal, state: str | None = None, cursor: str | None = None, limit: int | None = None
) -> Page:
    """Delegations sent to the organisations the caller administers, newest first (none for anyone else)."""
    orgs = [org_id for org_id in actor.org_roles if permissions.is_org_admin(actor, org_id)]
    query = select(CourtDelegation).where(CourtDelegation.org_id.in_(orgs))
    return _page(query, state=state, cursor=cursor, limit=limit)


def _page(query: Select, *, state: str | None, cursor: str | None, limit: int | None) -> Page:
    condition = _state_filter(state)
    if condition is not None:
        query = query.where(condition)
    page = newest_first(
        query, at_column=CourtDelegation.created_at, id_column=CourtDelegation.id, cursor=cursor, limit=limit
    )
    return Page(items=views(page.items), next_cursor=page.next_cursor)


def views(rows: Iterable[CourtDelegation]) -> list[dict]:
    """Several delegations, their cases and organisations read in two queries."""
    rows = list(rows)
    case_ids = {row.case_id for row in rows} | {row.mediation_case_id for row in rows if row.mediation_case_id}
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(case_ids)))} if rows else {}
    org_ids = {row.org_id for row in rows}
    orgs = (
        {
            o.id: o
            for o in db.session.scalars(select(MediationOrganization).where(MediationOrganization.id.in_(org_ids)))
        }
        if rows
        else {}
    )
    followups = (
        {
            f.delegation_id: f
            for f in db.session.scalars(
                select(DelegationFollowup).where(DelegationFollowup.delegation_id.in_([row.id for row in rows]))
            )
        }
        if rows
        else {}
    )
    return [_view(row, cases, orgs, followups.get(row.id)) for row in rows]


def view(row: CourtDelegation) -> dict:
    """One delegation: where it went, its state and due date, the mediation and its outcome."""
    return views([row])[0]


def _view(
    row: CourtDelegation,
    cases: dict[uuid.UUID, Case],
    orgs: dict[uuid.UUID, MediationOrganization],
    followup: DelegationFollowup | None,
) -> dict:
    case = cases[row.case_id]
    mediation = cases.get(row.mediation_case_id) if row.mediation_case_id else None
    state = effective_state(row)
    mediated = state in MEDIATED and row.responded_at is not None
    return {
        "id": row.id,
        "court_id": row.court_id,
        "org_id": row.org_id,
        "org_name": orgs[row.org_id].name,
        "case_id": case.id,
        "case_kind": case.kind,
        "case_title": case.title,
        "case_number": case.case_number,
        "case_status": case.status,
        "stage": row.stage,
        "state": state,
        "due_date": row.due_date,
        # accepted and still mediating after the due date: the court should chase it
        "overdue": state == "accepted" and row.due_date < _today(),
        "note": row.note,
        "sent_at": row.sent_at,
        "responded_at": row.responded_at,
        "decline_reason": row.decline_reason,
        "mediation_case_id": row.mediation_case_id if mediated else None,
        "mediation_status": mediation.status if mediation is not None and mediated else None,
        "returned_at": row.returned_at,
        "outcome": row.outcome,
        "recalled_at": followup.recalled_at if followup else None,
        "recall_reason": followup.recall_reason if followup else None,
        "overdue_notified_at": followup.overdue_at if followup else None,
        "carried_back_at": followup.carried_back_at if followup else None,
        "carried_back_count": followup.carried_back_count if followup else None,
        "assignment": None,
    }


def payload(row: CourtDelegation) -> dict:
    """The delegation as a webhook event's data (JSON: ids as strings, times in ISO 8601)."""
    return {key: _json(value) for key, value in view(row).items() if key != "assignment"}


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
