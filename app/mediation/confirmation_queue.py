"""The court's work queue of judicial-confirmation applications (司法确认), the longest waiting first.

An application reaches the court when every party has applied (`submitted`); before that
(`awaiting_consent`) it is the parties' business and not listed. Without a status the queue holds what
waits for the court: `submitted` (to accept, by `accept_due_at`) and `accepted` (to decide, by `decide_due_at`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases import Case
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.mediation.models import JudicialConfirmation
from app.platform.pagination import Page, oldest_first
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

COURT_STATES = ("submitted", "accepted", "confirmed", "rejected")
WAITING = ("submitted", "accepted")


def list_for_court(
    *,
    actor: Principal,
    status: str | None = None,
    court_id: uuid.UUID | None = None,
    cursor: str | None,
    limit: int | None,
) -> Page:
    """Applications at the caller's court(s) in one state (default: waiting for the court), oldest submitted first."""
    courts = permissions.review_court_ids(actor)
    if not courts:
        raise Forbidden(
            "Only a court's clerks, judges and court system see its applications.", reason="court.not_staff"
        )
    if court_id is not None:
        if court_id not in courts:
            raise NotFound("No such court.", reason="court.not_found")
        courts = [court_id]
    states = (status,) if status else WAITING
    query = select(JudicialConfirmation).where(
        JudicialConfirmation.court_id.in_(courts), JudicialConfirmation.status.in_(states)
    )
    page = oldest_first(
        query,
        at_column=JudicialConfirmation.submitted_at,
        id_column=JudicialConfirmation.id,
        cursor=cursor,
        limit=limit,
    )
    ids = [row.case_id for row in page.items]
    cases = {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_(ids)))} if ids else {}
    now = clock.now()
    return Page(items=[_item(row, cases[row.case_id], now) for row in page.items], next_cursor=page.next_cursor)


def _item(row: JudicialConfirmation, case: Case, now: dt.datetime) -> dict:
    """One application as the queue shows it; the deadline is the court's next one (none once decided)."""
    deadline = {"submitted": row.accept_due_at, "accepted": row.decide_due_at}.get(row.status)
    return {
        "id": row.id,
        "case_id": case.id,
        "case_title": case.title,
        "case_number": row.case_number or case.case_number,
        "court_id": row.court_id,
        "status": row.status,
        "submitted_at": row.submitted_at,
        "court_deadline": deadline,
        "overdue": deadline is not None and now >= deadline,
    }
