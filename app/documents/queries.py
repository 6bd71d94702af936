"""Counting a case's served documents as a caller may see them (for the case detail)."""

from __future__ import annotations

from sqlalchemy import func, select

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
