"""Counting a case's served documents as a caller may see them (for the case detail)."""

from __future__ import annotations

import functools

from sqlalchemy import ScalarSelect, bindparam, func, select

from app.cases import Case
from app.documents.models import ServedDocument
from app.extensions import db
from app.security import permissions
from app.security.permissions import CaseFacts, Principal


def visible_count(case: Case, facts: CaseFacts, *, actor: Principal) -> int:
    """Court staff count every document of the case; parties and their lawyers count those delivered to them."""
    query = select(func.count()).select_from(ServedDocument).where(ServedDocument.case_id == case.id)
    if not (facts.court_id is not None and permissions.is_court_staff(actor, facts.court_id)):
        mine = permissions.parties_of(actor, facts)
        if not mine:
            return 0
        query = query.where(ServedDocument.recipient_party_id.in_(mine), ServedDocument.delivered_at.is_not(None))
    return db.session.scalar(query) or 0


def visible_count_column(facts: CaseFacts, actor: Principal) -> ScalarSelect[int] | None:
    """`visible_count` as a column for the case detail's one statement of counts (app/cases/detail_sections.py),
    with the bound parameters `case_id` and `party_ids`; None when the caller sees none."""
    if facts.court_id is not None and permissions.is_court_staff(actor, facts.court_id):
        return _count_column(staff=True)
    return _count_column(staff=False) if permissions.parties_of(actor, facts) else None


@functools.cache
def _count_column(*, staff: bool) -> ScalarSelect[int]:
    """Built once per shape (issue 18): every document of the case, or those delivered to the caller's parties."""
    query = select(func.count()).select_from(ServedDocument).where(ServedDocument.case_id == bindparam("case_id"))
    if not staff:
        query = query.where(
            ServedDocument.recipient_party_id.in_(bindparam("party_ids", expanding=True)),
            ServedDocument.delivered_at.is_not(None),
        )
    return query.scalar_subquery()
