"""Loading a case together with the facts the permission predicates need; not yours = not found."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, CompoundSelect, Row, bindparam, literal, select, union_all

from app.cases.models import Case, CaseAgent, CaseParty
from app.errors import NotFound
from app.extensions import db
from app.security import permissions
from app.security.permissions import CaseFacts, Principal

CASE_NOT_FOUND = "case.not_found"


def not_found() -> NotFound:
    """The one answer for unknown and not-yours cases."""
    return NotFound("No such case.", reason=CASE_NOT_FOUND)


PARTY = "party"
AGENT = "agent"


def facts_rows(case_id: uuid.UUID | BindParameter[Any], *extra: Any) -> CompoundSelect:
    """The case's connections as rows (kind, party_id, user_id, *extra): the parties' joined users, then the active
    agents' lawyers, in one statement. `extra` are columns correlated to `party_id` (a caller's per-party figures)."""

    def extra_of(party_id: Any) -> list[Any]:
        return [column(party_id) for column in extra]

    parties = select(
        literal(PARTY).label("kind"), CaseParty.id.label("party_id"), CaseParty.user_id, *extra_of(CaseParty.id)
    )
    agents = select(literal(AGENT), CaseAgent.party_id, CaseAgent.lawyer_user_id, *extra_of(CaseAgent.party_id))
    return union_all(
        parties.where(CaseParty.case_id == case_id, CaseParty.user_id.is_not(None)),
        agents.where(CaseAgent.case_id == case_id, CaseAgent.status == "active"),
    )


def facts_from(case: Case, rows: Iterable[Row]) -> CaseFacts:
    """The facts of `case` from the rows of `facts_rows`."""
    party_users: dict[uuid.UUID, uuid.UUID] = {}
    agent_lawyers: dict[uuid.UUID, uuid.UUID] = {}
    for row in rows:
        (party_users if row.kind == PARTY else agent_lawyers)[row.party_id] = row.user_id
    return CaseFacts(
        case_id=case.id,
        court_id=case.court_id,
        org_id=case.org_id,
        party_users=party_users,
        agent_lawyers=agent_lawyers,
        mediator_user_id=case.mediator_user_id,
        filed_by_user_id=case.filed_by_user_id,
        filed_via=case.filed_via,
    )


def facts_of(case: Case, parties: Iterable[CaseParty], *, agents: Iterable[CaseAgent] = ()) -> CaseFacts:
    """The facts of a case from all its parties and agents, when these are in hand (`facts_for` reads them): the
    joined parties' users and the active agents' lawyers (one per party: app/agents/appointments.py)."""
    return CaseFacts(
        case_id=case.id,
        court_id=case.court_id,
        org_id=case.org_id,
        party_users={party.id: party.user_id for party in parties if party.user_id is not None},
        agent_lawyers={agent.party_id: agent.lawyer_user_id for agent in agents if agent.status == "active"},
        mediator_user_id=case.mediator_user_id,
        filed_by_user_id=case.filed_by_user_id,
        filed_via=case.filed_via,
    )


@functools.cache
def _facts_query() -> CompoundSelect:
    return facts_rows(bindparam("case_id"))  # built once: building it cost more than running it


def facts_for(case: Case) -> CaseFacts:
    """Read the case's connections (parties' users, active agents, mediator) in one statement."""
    return facts_from(case, db.session.execute(_facts_query(), {"case_id": case.id}).all())


_CASE = select(Case).where(Case.id == bindparam("case_id"))  # built once, as the facts' statement
_CASE_FOR_UPDATE = _CASE.with_for_update()


def load(case_id: uuid.UUID, *, actor: Principal, lock: bool = False) -> tuple[Case, CaseFacts]:
    """The case and its facts if the caller may read it; otherwise 404 exactly as for an unknown id."""
    case = db.session.scalar(_CASE_FOR_UPDATE if lock else _CASE, {"case_id": case_id})
    if case is None:
        raise not_found()
    facts = facts_for(case)
    if not permissions.may_read_case(actor, facts):
        raise not_found()
    return case, facts
