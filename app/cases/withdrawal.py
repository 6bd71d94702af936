"""What parties do to their own case: withdraw it."""

from __future__ import annotations

import uuid

from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.cases import queries as case_queries
from app.cases.models import FILER_ROLES, CaseParty
from app.errors import Forbidden
from app.extensions import db
from app.security import permissions
from app.security.permissions import Principal


def withdraw(*, case_id: uuid.UUID, reason: str, actor: Principal) -> dict:
    """The party who brought the case (or their lawyer) withdraws it."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    filer_parties = {
        party.id for party in db.session.query(CaseParty).filter_by(case_id=case.id) if party.role in FILER_ROLES
    }
    if not (permissions.parties_of(actor, facts) & filer_parties) and "filer" not in permissions.case_relations(
        actor, facts
    ):
        raise Forbidden(
            "Only the party who brought the case, or their lawyer, can withdraw it.", reason="case.not_filer"
        )
    role = "lawyer" if "agent" in permissions.case_relations(actor, facts) else "party"
    case_lifecycle.transition(case, "withdrawn", actor=actor, actor_role=role, reason=reason, event="case.withdrawn")
    db.session.commit()
    return case_queries.describe(case, facts, actor=actor)
