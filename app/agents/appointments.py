"""Agents acting for parties: a party appoints a lawyer (active at once) or a lawyer asks and the party confirms;
in litigation a party may also appoint a citizen agent (公民代理: near relative, staff, or recommended by their
community or unit).

Statuses: pending_confirmation -> active | declined; active -> revoked. Where the law wants the court's approval
(`rules.approval_grounds`: a citizen agent; special authority after acceptance) an appointment or confirmation
leads to pending_court_approval -> active | court_refused (`approvals`), and the party may revoke it meanwhile.
A declined, refused or revoked agent may be appointed or ask again later (the same row comes back to life; the
timeline keeps the history). One active agent per party at a time: CaseFacts.agent_lawyers maps each party to one.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.agents import approvals, power_of_attorney
from app.agents import rules as agent_rules
from app.agents.workspace import lawyer_cases, list_for_case, view
from app.audit import log as audit
from app.cases import Case, CaseAgent, CaseParty, timeline
from app.cases import access as case_access
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.identity import LawyerProfile, User
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock
from app.webhooks import deliveries as webhooks

PENDING, ACTIVE, DECLINED, REVOKED = "pending_confirmation", "active", "declined", "revoked"
PENDING_COURT = approvals.PENDING_COURT
LIVE = (PENDING, ACTIVE, PENDING_COURT)
__all__ = ["add_agent", "agent_not_found", "decide", "lawyer_cases", "list_for_case", "view"]


def agent_not_found() -> NotFound:
    """Unknown agent, or one on another case."""
    return NotFound("No such agent on this case.", reason="agent.not_found")


def add_agent(
    *,
    case_id: uuid.UUID,
    party_id: uuid.UUID,
    authority: str,
    actor: Principal,
    lawyer_user_id: uuid.UUID | None = None,
    license_number: str | None = None,
    power_of_attorney_evidence_id: uuid.UUID | None = None,
    agent_kind: str = "lawyer",
    agent_user_id: uuid.UUID | None = None,
    citizen_basis: str | None = None,
) -> dict:
    """The party appoints a verified lawyer (active at once, or pending the court's approval where the law wants
    it) or a citizen agent (pending the court), or a verified lawyer asks to act (pending the party)."""
    case = db.session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None:
        raise case_access.not_found()
    facts = case_access.facts_for(case)
    appointing = permissions.is_party_user(actor, facts, party_id)
    asking = not appointing and permissions.is_verified_lawyer(actor)
    if not (appointing or asking or permissions.may_read_case(actor, facts)):
        raise case_access.not_found()
    party = db.session.get(CaseParty, party_id)
    if asking and not permissions.may_read_case(actor, facts) and not _may_ask(case, party):
        # A lawyer outside the case knows it only by the ids the party gave them: a wrong pair, or a case that
        # takes no agents, answers exactly like an unknown case (no existence, no status).
        raise case_access.not_found()
    if party is None or party.case_id != case.id:
        raise ValidationFailed(errors={"party_id": ["No such party in this case."]}, reason="agent.party_not_found")
    if not (appointing or asking) or (agent_kind == "citizen" and not appointing):
        raise Forbidden("Only the party, or a lawyer asking for themselves, adds an agent.", reason="agent.not_party")
    if agent_kind == "citizen":
        field, person_id = "agent_user_id", _citizen(case, agent_user_id)
    else:
        field = "lawyer_user_id" if lawyer_user_id is not None else "license_number"
        profile = _verified_lawyer(field, lawyer_user_id if lawyer_user_id is not None else license_number)
        if profile is None:
            raise ValidationFailed(errors={field: ["Not a verified lawyer."]}, reason="agent.lawyer_not_verified")
        if not appointing and profile.user_id != actor.user_id:
            raise Forbidden("A lawyer can only ask to act for a party themselves.", reason="agent.not_party")
        person_id = profile.user_id
    if person_id == party.user_id:
        raise ValidationFailed(errors={field: ["A party cannot be their own agent."]}, reason="agent.self")
    if power_of_attorney_evidence_id is not None:
        power_of_attorney.check(case, facts, actor, party, power_of_attorney_evidence_id)
    _check_can_take(case, party, person_id)
    if appointing:
        _check_party_free(party)
    agent = _upsert(case, party, person_id, authority, power_of_attorney_evidence_id, actor, appointing)
    role = "party" if appointing else "lawyer"
    hooks = _before_court(case, agent, actor, agent_kind, citizen_basis) if appointing else []
    _record(case, agent, party, actor, "agent.appointed" if appointing else "agent.requested", role=role)
    db.session.commit()
    webhooks.dispatch(hooks)
    return view(agent)


def _citizen(case: Case, user_id: uuid.UUID | None) -> uuid.UUID:
    """A citizen agent: litigation only (mediation keeps its lawyers-only rule), a real-name verified user."""
    if case.kind != "litigation":
        raise ValidationFailed(
            errors={"agent_kind": ["Citizen agents act in litigation; a mediation party appoints a lawyer."]},
            reason="agent.citizen_not_litigation",
        )
    person = db.session.get(User, user_id) if user_id is not None else None
    if person is None or person.verification_status != "verified":
        raise ValidationFailed(
            errors={"agent_user_id": ["Not a real-name verified user."]}, reason="agent.citizen_not_verified"
        )
    return person.id


def _before_court(
    case: Case, agent: CaseAgent, actor: Principal, agent_kind: str, basis: str | None
) -> list[uuid.UUID]:
    """Send the appointment to the court's queue where the law wants its approval (the agent waits meanwhile)."""
    grounds = agent_rules.approval_grounds(
        case_kind=case.kind, case_status=case.status, agent_kind=agent_kind, authority=agent.authority
    )
    if not grounds:
        return []
    return approvals.require(case, agent, agent_kind=agent_kind, basis=basis, grounds=grounds, actor=actor)


def _may_ask(case: Case, party: CaseParty | None) -> bool:
    """A lawyer outside the case may ask to act for one of its parties while the case is open."""
    return party is not None and party.case_id == case.id and case.status not in case_lifecycle.TERMINAL[case.kind]


def _verified_lawyer(field: str, value: object) -> LawyerProfile | None:
    """The verified lawyer profile found by user id or licence number (None when absent or unverified)."""
    if field == "lawyer_user_id":
        condition = LawyerProfile.user_id == value
    else:
        condition = LawyerProfile.license_number == str(value or "").strip()
    profile = db.session.scalar(select(LawyerProfile).where(condition))
    return profile if profile is not None and profile.status == "verified" else None


def _check_can_take(case: Case, party: CaseParty, lawyer_id: uuid.UUID) -> None:
    """Open case, no duplicate, and no lawyer on both sides (a lawyer acts only for parties of one role)."""
    if case.status in case_lifecycle.TERMINAL[case.kind]:
        raise Conflict(f"The case is {case.status}; no new agents.", reason="agent.case_closed")
    rows = db.session.execute(
        select(CaseAgent.party_id, CaseAgent.status, CaseParty.role)
        .join(CaseParty, CaseParty.id == CaseAgent.party_id)
        .where(CaseAgent.case_id == case.id, CaseAgent.lawyer_user_id == lawyer_id, CaseAgent.status.in_(LIVE))
    ).all()
    if any(row.party_id == party.id for row in rows):
        raise Conflict("This lawyer already acts, or asked to act, for this party.", reason="agent.duplicate")
    own_roles = db.session.scalars(
        select(CaseParty.role).where(CaseParty.case_id == case.id, CaseParty.user_id == lawyer_id)
    ).all()
    if any(role != party.role for role in [*(row.role for row in rows), *own_roles]):
        raise Conflict("This lawyer is already on another side of this case.", reason="agent.conflict_of_interest")


def _check_party_free(party: CaseParty) -> None:
    """One active lawyer per party (CaseFacts maps a party to one lawyer); a second needs the first revoked."""
    if db.session.scalar(select(CaseAgent.id).where(CaseAgent.party_id == party.id, CaseAgent.status == ACTIVE)):
        raise Conflict(
            "The party already has an active lawyer; revoke that one first.", reason="agent.party_represented"
        )


def _upsert(
    case: Case,
    party: CaseParty,
    lawyer_id: uuid.UUID,
    authority: str,
    evidence_id: uuid.UUID | None,
    actor: Principal,
    appointing: bool,
) -> CaseAgent:
    agent = db.session.scalar(
        select(CaseAgent).where(CaseAgent.party_id == party.id, CaseAgent.lawyer_user_id == lawyer_id)
    )
    if agent is None:
        agent = CaseAgent(case_id=case.id, party_id=party.id, lawyer_user_id=lawyer_id)
        db.session.add(agent)
    agent.authority = authority
    agent.power_of_attorney_evidence_id = evidence_id  # checked: the represented party's stored evidence
    agent.requested_by = actor.user_id
    agent.status = ACTIVE if appointing else PENDING
    agent.confirmed_by = actor.user_id if appointing else None
    agent.confirmed_at = clock.now() if appointing else None
    db.session.flush()
    return agent


def decide(*, case_id: uuid.UUID, agent_id: uuid.UUID, decision: str, actor: Principal, reason: str | None) -> dict:
    """The party's own user confirms or declines a lawyer's request, or revokes an active lawyer."""
    case, facts = case_access.load(case_id, actor=actor, lock=True)
    agent = db.session.get(CaseAgent, agent_id)
    if agent is None or agent.case_id != case.id:
        raise agent_not_found()
    if not permissions.is_party_user(actor, facts, agent.party_id):
        raise Forbidden("Only the party decides who acts for them.", reason="agent.not_party")
    wanted = ACTIVE if decision == "revoke" else PENDING
    if agent.status != wanted and not (decision == "revoke" and agent.status == PENDING_COURT):
        raise Conflict(
            f"The agent is in state '{agent.status}'; this needs state '{wanted}'.",
            reason="agent.illegal_transition",
            errors={"status": [agent.status]},
        )
    party = db.session.get_one(CaseParty, agent.party_id)
    if decision == "confirm":
        if case.status in case_lifecycle.TERMINAL[case.kind]:
            raise Conflict(f"The case is {case.status}; no new agents.", reason="agent.case_closed")
        if _verified_lawyer("lawyer_user_id", agent.lawyer_user_id) is None:
            raise Conflict("The lawyer is no longer verified.", reason="agent.lawyer_not_verified")
        _check_party_free(party)
        agent.confirmed_by, agent.confirmed_at = actor.user_id, clock.now()
    if decision == "revoke":
        approvals.withdraw(agent)
    agent.status, event = DECISIONS[decision]
    hooks = _before_court(case, agent, actor, "lawyer", None) if decision == "confirm" else []
    _record(case, agent, party, actor, event, role="party", reason=reason)
    db.session.commit()
    webhooks.dispatch(hooks)
    return view(agent)


SUMMARIES = {
    "agent.appointed": message("%(party)s appointed %(lawyer)s as agent (%(authority)s authority)"),
    "agent.requested": message("%(lawyer)s asks to act for %(party)s (%(authority)s authority)"),
    "agent.confirmed": message("%(party)s confirmed %(lawyer)s as agent (%(authority)s authority)"),
    "agent.declined": message("%(party)s declined %(lawyer)s's request to act for them"),
    "agent.revoked": message("%(party)s revoked %(lawyer)s's authority"),
}
DECISIONS = {
    "confirm": (ACTIVE, "agent.confirmed"),
    "decline": (DECLINED, "agent.declined"),
    "revoke": (REVOKED, "agent.revoked"),
}


def _record(
    case: Case,
    agent: CaseAgent,
    party: CaseParty,
    actor: Principal,
    event: str,
    *,
    role: str,
    reason: str | None = None,
) -> None:
    lawyer = db.session.get(User, agent.lawyer_user_id)
    approval = approvals.of(agent)
    kind = approval.agent_kind if approval is not None else "lawyer"
    name = (lawyer.real_name or lawyer.display_name or "") if lawyer else ""
    who = message("citizen agent %(name)s", name=name) if kind == "citizen" else message("lawyer %(name)s", name=name)
    summary = SUMMARIES[event].fill(lawyer=who, party=party.name, authority=label("authority", agent.authority))
    timeline.record(
        case,
        event,
        actor=actor,
        actor_role=role,
        summary=summary,
        reason=reason,
        data={"agent_id": str(agent.id), "party_id": str(party.id), "status": agent.status},
    )
    if event == "agent.revoked" or (event in ("agent.appointed", "agent.confirmed") and agent.status == ACTIVE):
        audit.record(
            "case.agent_granted" if agent.status == ACTIVE else "case.agent_revoked",
            actor=actor,
            object_type="case_agent",
            object_id=agent.id,
            details={"case_id": str(case.id), "party_id": str(party.id), "lawyer_user_id": str(agent.lawyer_user_id)},
        )
