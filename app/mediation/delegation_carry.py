"""What crosses between the court's case and the delegated mediation made from it, besides the parties.

- Into the mediation (on acceptance of a litigation filing or case): each lawyer or agent active for a party keeps
  acting for the same party in the mediation, with the same authority, and their power of attorney is the copy
  of it carried with the evidence; nobody uploads it again (`carry_agents`).
- Back into the court's case (when the mediation fails, is withdrawn or is recalled): the evidence submitted in
  the mediation, except what came from the court's case, is copied with app/evidence/carry.py (custody events
  on both items), and a lawyer appointed in the mediation comes along where the power of attorney covers it:
  it is on file and came back with the evidence, the party has no active lawyer there, and the lawyer is on no
  other side (`bring_back`). Once only: `DelegationFollowup.carried_back_at`. A store outage leaves it pending
  for the delegation sweep (the mediation's end itself is not refused for it).

The mandate rows are written here through the cases model and app.agents' public constants only (the agents'
own rules module is not changed); each is a timeline event `agent.carried_over` and an audit event.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select, update

from app.agents import appointments, approvals
from app.agents import rules as agent_rules
from app.audit import log as audit_log
from app.cases import Case, CaseAgent, CaseParty, timeline
from app.errors import StorageUnavailable
from app.evidence import carry as evidence_carry
from app.extensions import db
from app.i18n import label, message
from app.identity import LawyerProfile
from app.mediation.delegation_models import DelegationFollowup
from app.mediation.models import CourtDelegation
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
BACK_OUTCOMES = ("failed", "withdrawn")
DISPATCH_KEY = "delegation_returns"  # webhook deliveries to start after the commit (delegation.dispatch_pending)


def followup(row: CourtDelegation) -> DelegationFollowup:
    """The delegation's follow-up row, made on first need (the caller commits)."""
    found = db.session.get(DelegationFollowup, row.id)
    if found is None:
        found = DelegationFollowup(delegation_id=row.id, party_map={})
        db.session.add(found)
        db.session.flush()
    return found


def claim_once(row: CourtDelegation, field: str) -> bool:
    """Stamp `field` of the follow-up now if it is still empty: one conditional UPDATE, so one caller of many
    wins (the row lock holds the others until the winner commits, then they see it set). False if lost."""
    followup(row)
    column = getattr(DelegationFollowup, field)
    result = db.session.execute(
        update(DelegationFollowup)
        .where(DelegationFollowup.delegation_id == row.id, column.is_(None))
        .values({field: clock.now()})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(followup(row), [field])
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def carried_copies(case_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """Evidence carried into `case_id`: origin item id -> the copy in this case (from the custody chain)."""
    return evidence_carry.copies_in(case_id)


def carry_into(
    row: CourtDelegation, case: Case, mediation: Case, *, parties: dict[uuid.UUID, uuid.UUID], actor: Principal
) -> None:
    """On acceptance: keep the party map for the way back, and carry the lawyers' mandates into the mediation."""
    followup(row).party_map = {str(old): str(new) for old, new in parties.items()}
    carry_agents(case, mediation, parties=parties, actor=actor, role="org_admin", need_power_of_attorney=False)


def carry_agents(
    origin: Case,
    target: Case,
    *,
    parties: dict[uuid.UUID, uuid.UUID],
    actor: Principal | None,
    role: str,
    need_power_of_attorney: bool,
) -> int:
    """Carry the active mandates of `origin`'s parties to the mapped parties of `target`; how many came over."""
    copies = carried_copies(target.id)
    agents = db.session.scalars(
        select(CaseAgent)
        .where(CaseAgent.case_id == origin.id, CaseAgent.status == appointments.ACTIVE)
        .order_by(CaseAgent.id)
    )
    count = 0
    for agent in list(agents):
        party_id = parties.get(agent.party_id)
        letter = copies.get(agent.power_of_attorney_evidence_id) if agent.power_of_attorney_evidence_id else None
        if party_id is None or (need_power_of_attorney and letter is None):
            continue
        if _takes(target, party_id, agent.lawyer_user_id):
            _appoint(origin, target, agent, party_id, letter, actor=actor, role=role)
            count += 1
    return count


def _takes(target: Case, party_id: uuid.UUID, lawyer_id: uuid.UUID) -> bool:
    """The lawyer is still verified, the party has no active lawyer in `target`, and the lawyer acts there for no
    party of another role (the rules of app.agents' appointment, read here)."""
    party = db.session.get_one(CaseParty, party_id)
    profile = db.session.scalar(select(LawyerProfile).where(LawyerProfile.user_id == lawyer_id))
    if profile is None or profile.status != "verified":
        return False
    if db.session.scalar(select(CaseAgent.id).filter_by(party_id=party_id, status=appointments.ACTIVE)):
        return False
    roles = db.session.scalars(
        select(CaseParty.role)
        .join(CaseAgent, CaseAgent.party_id == CaseParty.id)
        .where(CaseAgent.case_id == target.id, CaseAgent.lawyer_user_id == lawyer_id)
        .where(CaseAgent.status.in_(appointments.LIVE))
    ).all()
    own = db.session.scalars(select(CaseParty.role).filter_by(case_id=target.id, user_id=lawyer_id)).all()
    return lawyer_id != party.user_id and all(r == party.role for r in [*roles, *own])


def _appoint(
    origin: Case,
    target: Case,
    agent: CaseAgent,
    party_id: uuid.UUID,
    letter: uuid.UUID | None,
    *,
    actor: Principal | None,
    role: str,
) -> None:
    row = db.session.scalar(select(CaseAgent).filter_by(party_id=party_id, lawyer_user_id=agent.lawyer_user_id))
    if row is None:
        row = CaseAgent(case_id=target.id, party_id=party_id, lawyer_user_id=agent.lawyer_user_id)
        db.session.add(row)
    row.authority, row.power_of_attorney_evidence_id = agent.authority, letter
    row.status, row.requested_by = appointments.ACTIVE, agent.requested_by
    row.confirmed_by, row.confirmed_at = agent.confirmed_by, clock.now()
    db.session.flush()
    # where the law wants the court's approval (special authority in a case after acceptance), it waits for it
    grounds = agent_rules.approval_grounds(
        case_kind=target.kind, case_status=target.status, agent_kind="lawyer", authority=row.authority
    )
    if grounds:
        hook_ids = approvals.require(target, row, agent_kind="lawyer", basis=None, grounds=grounds, actor=actor)  # type: ignore[arg-type]
        db.session.info.setdefault(DISPATCH_KEY, []).extend(hook_ids)
    data = {
        "agent_id": str(row.id),
        "party_id": str(party_id),
        "status": row.status,
        "from_case_id": str(origin.id),
        "from_agent_id": str(agent.id),
    }
    party = db.session.get_one(CaseParty, party_id)
    facts = {"party": party.name, "authority": label("authority", row.authority), "case": str(origin.id)}
    if grounds:
        summary = message(
            "The mandate for %(party)s (%(authority)s authority) carried over from case %(case)s; "
            "it waits for the court's approval",
            **facts,
        )
    else:
        summary = message(
            "The mandate for %(party)s (%(authority)s authority) carried over from case %(case)s", **facts
        )
    timeline.record(target, "agent.carried_over", actor=actor, actor_role=role, summary=summary, data=data)
    if row.status == appointments.ACTIVE:
        audit_log.record("case.agent_granted", actor=actor, object_type="case_agent", object_id=row.id, details=data)


def bring_back(row: CourtDelegation, *, actor: Principal | None, role: str) -> bool | None:
    """Carry the mediation's evidence and mandates back into the court's case, once: True when carried now, None
    when there is nothing (more) to carry or another worker carries it, False when the store is down.

    Only for a separate mediation case (a litigation filing or case) that ended without agreement.
    """
    if row.mediation_case_id is None or row.mediation_case_id == row.case_id or row.outcome not in BACK_OUTCOMES:
        return None
    if not claim_once(row, "carried_back_at"):
        return None  # done, or being done by another worker
    state = followup(row)
    court_case = db.session.get_one(Case, row.case_id)
    mediation = db.session.get_one(Case, row.mediation_case_id)
    parties = {uuid.UUID(m): uuid.UUID(c) for c, m in (state.party_map or {}).items()} or _match(mediation, court_case)
    try:
        # the copies are made before any row is written: an outage raises with nothing added
        report = evidence_carry.carry(
            mediation, court_case, parties=parties, actor=actor, role=role, exclude_from_case=court_case.id
        )
    except StorageUnavailable:
        log.warning("delegated mediation's evidence not carried back yet", extra={"delegation_id": str(row.id)})
        state.carried_back_at = None  # the claim is given back: the sweep tries again
        db.session.flush()
        return False
    agents = carry_agents(mediation, court_case, parties=parties, actor=actor, role=role, need_power_of_attorney=True)
    state.carried_back_count = len(report.carried)
    data = {"delegation_id": str(row.id), "evidence": len(report.carried), "agents": agents}
    audit_log.record(
        "delegation.carried_back", actor=actor, object_type="court_delegation", object_id=row.id, details=data
    )
    return True


def _match(source: Case, target: Case) -> dict[uuid.UUID, uuid.UUID]:
    """source party id -> target party id for the same person (a delegation made before the map was kept)."""

    def key(p: CaseParty) -> tuple:
        return (p.party_type, p.name, p.phone_index, p.id_number_index)

    wanted = {key(p): p.id for p in db.session.scalars(select(CaseParty).filter_by(case_id=target.id))}
    found = db.session.scalars(select(CaseParty).filter_by(case_id=source.id))
    return {p.id: wanted[key(p)] for p in found if key(p) in wanted}


def match_parties(source: Case, target: Case) -> dict[uuid.UUID, uuid.UUID]:
    """Public form of the party matching, for a filing made by transfer.file_litigation (which keeps no map)."""
    return _match(source, target)
