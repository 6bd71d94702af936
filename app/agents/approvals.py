"""The court's approval of agents where the law requires it: the pending queue at a court, approve or refuse.

An appointment that needs approval (`rules.approval_grounds`) waits in `pending_court_approval`: the agent does
not see the case until the court approves. Approving makes the agent active (one active agent per party, as
always); refusing ends it (`court_refused`); the party may withdraw it first (revoke). Each step is on the
timeline (which the parties read), in the audit log, and announced to the court's systems by webhook
(`agent.approval_requested`, `agent.approved`, `agent.refused`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.agents.models import AgentApproval
from app.audit import log as audit
from app.cases import Case, CaseAgent, CaseParty, review, timeline
from app.cases import lifecycle as case_lifecycle
from app.errors import Conflict, NotFound
from app.extensions import db
from app.i18n import Message, label, message
from app.identity import User
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds
from app.platform.pagination import Page, oldest_first
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock
from app.webhooks import deliveries as webhooks

PENDING_COURT, COURT_REFUSED = "pending_court_approval", "court_refused"
WEBHOOK_EVENTS = ("agent.approval_requested", "agent.approved", "agent.refused")


def of(agent: CaseAgent) -> AgentApproval | None:
    """The agent's approval row, if it ever needed one."""
    return db.session.scalar(select(AgentApproval).where(AgentApproval.case_agent_id == agent.id))


def require(
    case: Case, agent: CaseAgent, *, agent_kind: str, basis: str | None, grounds: list[str], actor: Principal
) -> list[uuid.UUID]:
    """Put the agent before the court (the caller commits, then dispatches the webhook deliveries returned)."""
    assert case.court_id is not None  # litigation cases are filed at a court
    row = of(agent)
    if row is None:
        row = AgentApproval(case_agent_id=agent.id, case_id=case.id, court_id=case.court_id)
        db.session.add(row)
    row.agent_kind, row.citizen_basis, row.grounds, row.status = agent_kind, basis, grounds, "pending"
    row.requested_at, row.decided_by_user_id, row.decided_at, row.decision_reason = clock.now(), None, None, None
    agent.status = PENDING_COURT
    db.session.flush()
    return _event(case, agent, row, "agent.approval_requested", actor, "party", None)


def withdraw(agent: CaseAgent) -> None:
    """The party revoked an appointment still waiting for the court."""
    row = of(agent)
    if row is not None and row.status == "pending":
        row.status = "withdrawn"


def queue(*, actor: Principal, status: str | None, cursor: str | None, limit: int | None) -> Page:
    """Appointments at the caller's court(s), longest waiting first (pending unless another status is asked)."""
    courts = permissions.review_court_ids(actor)
    query = select(AgentApproval).where(
        AgentApproval.court_id.in_(courts), AgentApproval.status == (status or "pending")
    )
    page = oldest_first(
        query, at_column=AgentApproval.requested_at, id_column=AgentApproval.id, cursor=cursor, limit=limit
    )
    return Page(items=[describe(row) for row in page.items], next_cursor=page.next_cursor)


def describe(row: AgentApproval) -> dict:
    """A queue entry: the case, the party, the agent, the grounds and the power of attorney to examine."""
    agent = db.session.get_one(CaseAgent, row.case_agent_id)
    case = db.session.get_one(Case, row.case_id)
    party = db.session.get_one(CaseParty, agent.party_id)
    person = db.session.get(User, agent.lawyer_user_id)
    return {
        "id": row.id,
        "case_id": case.id,
        "case_number": case.case_number,
        "case_status": case.status,
        "agent_id": agent.id,
        "agent_status": agent.status,
        "agent_kind": row.agent_kind,
        "agent_name": (person.real_name or person.display_name) if person else None,
        "citizen_basis": row.citizen_basis,
        "authority": agent.authority,
        "party_id": party.id,
        "party_name": party.name,
        "party_role": party.role,
        "grounds": list(row.grounds or []),
        "power_of_attorney_evidence_id": agent.power_of_attorney_evidence_id,
        "status": row.status,
        "requested_at": row.requested_at,
        "decided_at": row.decided_at,
        "decision_reason": row.decision_reason,
    }


def decide(*, approval_id: uuid.UUID, approved: bool, reason: str, actor: Principal) -> dict:
    """Approve (the agent becomes active) or refuse; only the case's court, only while pending."""
    row = db.session.get(AgentApproval, approval_id)
    if row is None or not permissions.is_court_staff(actor, row.court_id):
        raise NotFound("No such appointment at your court.", reason="agent.approval_not_found")
    case = db.session.scalar(select(Case).where(Case.id == row.case_id).with_for_update())
    row = db.session.scalar(
        select(AgentApproval)
        .where(AgentApproval.id == approval_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert case is not None and row is not None
    agent = db.session.get_one(CaseAgent, row.case_agent_id)
    if row.status != "pending" or agent.status != PENDING_COURT:
        raise Conflict(
            f"The appointment is {row.status}; only a pending one is decided.",
            reason="agent.approval_decided",
            errors={"status": [row.status]},
        )
    if approved:
        if case.status in case_lifecycle.TERMINAL[case.kind]:
            raise Conflict(f"The case is {case.status}; no new agents.", reason="agent.case_closed")
        active = select(CaseAgent.id).where(CaseAgent.party_id == agent.party_id, CaseAgent.status == "active")
        if db.session.scalar(active) is not None:
            raise Conflict(
                "The party already has an active agent; they revoke that one first.", reason="agent.party_represented"
            )
        agent.status, agent.confirmed_at = "active", clock.now()
    else:
        agent.status = COURT_REFUSED
    row.status = "approved" if approved else "refused"
    row.decided_by_user_id, row.decided_at, row.decision_reason = actor.user_id, clock.now(), reason.strip()
    role = review.staff_role(actor, row.court_id)
    hooks = _event(
        case, agent, row, "agent.approved" if approved else "agent.refused", actor, role, row.decision_reason
    )
    audit.record(
        "case.agent_granted" if approved else "case.agent_refused",
        actor=actor,
        object_type="case_agent",
        object_id=agent.id,
        details={"case_id": str(case.id), "party_id": str(agent.party_id), "approval_id": str(row.id)},
    )
    told = _tell(case, agent, row.status)
    db.session.commit()
    webhooks.dispatch(hooks)
    for note_id in told:
        notifications.dispatch(note_id)
    return describe(row)


def _tell(case: Case, agent: CaseAgent, status: str) -> list[uuid.UUID]:
    """The party and the agent learn the court's decision (kind `agent_approval_decided`)."""
    party = db.session.get_one(CaseParty, agent.party_id)
    data = {
        "case_id": str(case.id),
        "case_title": case.title,
        "result": notification_kinds.agent_result(approved=status == "approved"),
    }
    people = sorted({user for user in (party.user_id, agent.lawyer_user_id) if user is not None})
    return [
        notifications.notify(user_id=user, kind="agent_approval_decided", data=data, subject=("case", case.id)).id
        for user in people
    ]


SUMMARIES = {
    "agent.approval_requested": message(
        "the appointment of %(agent)s for %(party)s waits for the court's approval (%(grounds)s)"
    ),
    "agent.approved": message("the court approved %(agent)s as agent for %(party)s"),
    "agent.refused": message("the court refused %(agent)s as agent for %(party)s"),
}


def _event(
    case: Case, agent: CaseAgent, row: AgentApproval, event: str, actor: Principal, role: str, reason: str | None
) -> list[uuid.UUID]:
    party = db.session.get_one(CaseParty, agent.party_id)
    person = db.session.get(User, agent.lawyer_user_id)
    found = (person.real_name or person.display_name) if person else None
    name: str | Message = found or message("an agent")
    data = {
        "agent_id": str(agent.id),
        "approval_id": str(row.id),
        "party_id": str(party.id),
        "agent_kind": row.agent_kind,
        "grounds": list(row.grounds or []),
        "status": agent.status,
    }
    grounds = [label("approval.ground", ground) for ground in row.grounds or []]
    summary = SUMMARIES[event].fill(agent=name, party=party.name, grounds=grounds)
    timeline.record(case, event, actor=actor, actor_role=role, summary=summary, reason=reason, data=data)
    payload = {"case_id": str(case.id), "case_number": case.case_number, **data}
    hook = webhooks.Event(id=uuid.uuid4(), type=event, court_id=row.court_id, at=clock.now(), data=lambda: payload)
    return webhooks.record([hook])
