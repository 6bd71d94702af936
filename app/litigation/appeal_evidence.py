"""Whether a party may still bring evidence for an appeal: their appeal period runs (app/evidence/period_appeal.py).

Connected in app/wiring.py (evidence sits below litigation). The period is the party's own, from the decision served
on them (the same deadline an appeal is checked against in appeals.py); while the calendar does not cover its last
day, the lower bound counts (holidays only extend a period).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import Case
from app.documents import rules as documents_rules
from app.extensions import db
from app.litigation import rules, served
from app.litigation.models import LitigationDecision
from app.utils import clock


def window_open(case: Case, party_id: uuid.UUID) -> bool:
    """True while `party_id` is inside their appeal period of the case's appealable, served decision."""
    decision = db.session.scalar(select(LitigationDecision).where(LitigationDecision.case_id == case.id))
    if decision is None or decision.closing_method not in rules.APPEALABLE:
        return False
    document = served.served_documents(case, decision).get(party_id)
    deadline = documents_rules.deadline_for(document) if document is not None else None
    if deadline is None:
        return False
    now = clock.now()
    return deadline.is_met_by(now) if deadline.calendar_covered else deadline.certainly_met_by(now)
