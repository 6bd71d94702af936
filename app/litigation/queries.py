"""What the parties, their lawyers and the court read about a case after acceptance: the decision, each party's
appeal deadline with its explanation, the appeals, the enforcement limitation and applications."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import Case, access
from app.errors import AppError
from app.extensions import db
from app.litigation import appeals, enforcement, rules, served
from app.litigation.models import LitigationDecision
from app.security.permissions import Principal


def overview(*, case_id: uuid.UUID, actor: Principal) -> dict:
    """The litigation view of a case the caller may read (404 otherwise)."""
    case, _facts = access.load(case_id, actor=actor)
    decision = db.session.scalar(select(LitigationDecision).where(LitigationDecision.case_id == case.id))
    return {
        "case_id": case.id,
        "kind": case.kind,
        "status": case.status,
        "case_number": case.case_number,
        "decision": _decision(decision),
        "appeal_deadlines": _deadlines(case, decision),
        "appeals": appeals.for_case(case) if case.kind == "litigation" else [],
        "enforcement_limitation": _limitation(case),
        "enforcement_applications": enforcement.for_case(case),
    }


def _decision(decision: LitigationDecision | None) -> dict | None:
    if decision is None:
        return None
    fields = ("closing_method", "state", "decided_at", "performance_days", "served_at", "effective_at", "closed_at")
    return {
        **{name: getattr(decision, name) for name in fields},
        "closing_method_label": rules.closing_label(decision.closing_method),
        "note": decision.note,
    }


def _deadlines(case: Case, decision: LitigationDecision | None) -> list[dict]:
    if decision is None or decision.closing_method not in rules.APPEALABLE or decision.state == "recorded":
        return []
    return [
        {"party_id": party_id, "served": deadline is not None, "deadline": deadline.as_dict() if deadline else None}
        for party_id, deadline in served.party_deadlines(case, decision).items()
    ]


def _limitation(case: Case) -> dict | None:
    try:
        return enforcement.limitation(case).as_dict()
    except AppError:
        return None
