"""Authorization rows for lawyers acting for parties, the lawyer's workspace, and 12368 assisted filing.

Each call on an agent route gets a mediation case of its own (made when the path is built, then read by the
body), filed by the world's citizen at the world's court and organisation, so the world's case stays as other
tables expect. Its readers are the citizen (the party: allowed), the clerk, judge and org admin (readers but not
the party: 403); everyone else gets 404, except that a verified lawyer may ask to act for a party of a case they
cannot read yet (the "lawyer" principal: allowed on POST .../agents, where the request stays pending).

The court's queue of appointments waiting for its approval is read by the court's staff and systems (each sees its
own court's); deciding one takes a fresh litigation case of the citizen's, accepted at the world's court, in which the
citizen appointed the world's lawyer with special authority (pending the court): its clerk, judge and system decide,
the other court's staff get 404.

The preparer also files a case through the hotline for a caller whose phone is the citizen's, so the citizen
(and nobody else) can claim it with the SMS code.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.agents import appointments as case_agents
from app.cases import review
from app.cases.models import CaseParty
from app.extensions import db
from app.hotline import calls as hotline
from app.identity import login_sessions as sessions
from app.security import pii
from app.sms import outbox as notifications_sms
from miniprogram_api.schemas.hotline import HotlineCaseIn
from tests.security.routes import COURT, COURT_STAFF, MP, USERS, Route
from tests.security.world import NONEXISTENT, PREPARERS, World
from tests.support.cases import file_case
from tests.support.factories import make_user

CITIZEN = frozenset({"citizen"})
HOTLINE = frozenset({"hotline_operator"})
READERS_NOT_PARTY = {"clerk": 403, "judge": 403, "org_admin": 403}
CITIZEN_PHONE = "13900007777"


def _hotline_case(w: World) -> dict:
    return {
        "kind": "mediation",
        "org_id": str(w.org.id),
        "category": "民间借贷纠纷",
        "title": "来电人诉李四民间借贷纠纷",
        "claims": "请求归还借款。",
        "facts": "借款未还。",
        "parties": [{"role": "respondent", "name": "李四"}],
        "consents": {"e_service": True, "online_mediation": True},
    }


def prepare(world: World) -> None:
    """A hotline filing for the citizen's phone, and the claim code the citizen received."""
    citizen = world.people["citizen"]
    if citizen.phone_index is None:
        phone = pii.normalize_phone(CITIZEN_PHONE)
        citizen.phone_enc, citizen.phone_index = (
            pii.encrypt(phone, field="phone"),
            pii.blind_index(phone, field="phone"),
        )
        db.session.commit()
    phone = pii.decrypt(citizen.phone_enc, field="phone")
    hotline.record_call(
        actor=sessions.load_principal(world.people["hotline_operator"]),
        caller_phone=phone,
        caller_name="来电人",
        summary="请求代为申请调解",
        category="filing",
        create_case=HotlineCaseIn().load(_hotline_case(world)),
    )
    text = next(m.text for m in notifications_sms.outbox_for(phone=phone) if m.template == "case_claim")
    world.extra["claim_code"] = re.search(r"认领码([A-Z0-9]{8})", text).group(1)
    _fresh_case(world)


PREPARERS.append(prepare)


def _fresh_case(w: World, agent_status: str | None = None) -> str:
    """A case of the citizen's; with agent_status, the world's lawyer is its applicant's agent in that state."""
    case = file_case(w.people["citizen"], court=w.court, org=w.org)
    applicant = db.session.scalar(
        select(CaseParty.id).where(CaseParty.case_id == case.id, CaseParty.role == "applicant")
    )
    w.extra["agents_case"], w.extra["agents_party"] = case, applicant
    if agent_status is not None:
        by = "citizen" if agent_status == "active" else "lawyer"
        agent = case_agents.add_agent(
            case_id=case.id,
            party_id=applicant,
            authority="general",
            lawyer_user_id=w.people["lawyer"].id,
            actor=sessions.load_principal(w.people[by]),
        )
        w.extra["agent_id"] = agent["id"]
    return f"/cases/{case.id}"


def _pending_approval(w: World) -> str:
    """A fresh accepted litigation case where the citizen appointed the lawyer with special authority (pending)."""
    citizen = sessions.load_principal(w.people["citizen"])
    case = file_case(make_user(real_name="张三"), kind="litigation", court=w.court)  # litigation needs a verified filer
    review.accept(case_id=case.id, actor=sessions.load_principal(w.people["clerk"]))
    party = db.session.scalar(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "plaintiff"))
    party.user_id, plaintiff = w.people["citizen"].id, party.id  # the citizen is the plaintiff
    db.session.commit()
    agent = case_agents.add_agent(
        case_id=case.id, party_id=plaintiff, authority="special", lawyer_user_id=w.people["lawyer"].id, actor=citizen
    )
    return f"/agent-approvals/{agent['court_approval']['id']}/decide"


def _decision(status: str, decision: str):
    return lambda w: _fresh_case(w, status) + f"/agents/{w.extra['agent_id']}/{decision}"


ROUTES = [
    Route(
        "GET",
        f"{MP}/cases/<uuid:case_id>/agents",
        "user",
        frozenset({"citizen", "lawyer", "clerk", "judge", "org_admin"}),  # the readers, the active lawyer too
        lambda w: _fresh_case(w, "active") + "/agents",
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/agents",
        "user",
        CITIZEN | {"lawyer"},  # the party appoints; a verified lawyer asks (pending)
        lambda w: _fresh_case(w) + "/agents",
        lambda w: {
            "lawyer_user_id": str(w.people["lawyer"].id),
            "party_id": str(w.extra["agents_party"]),
            "authority": "general",
        },
        special=READERS_NOT_PARTY,
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/agents/<uuid:agent_id>/confirm",
        "user",
        CITIZEN,
        _decision("pending_confirmation", "confirm"),
        lambda w: {},
        special=READERS_NOT_PARTY,
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/agents/<uuid:agent_id>/decline",
        "user",
        CITIZEN,
        _decision("pending_confirmation", "decline"),
        lambda w: {"reason": "不需要"},
        special=READERS_NOT_PARTY,
    ),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/agents/<uuid:agent_id>/revoke",
        "user",
        CITIZEN,
        _decision("active", "revoke"),
        lambda w: {},
        special={**READERS_NOT_PARTY, "lawyer": 403},  # the active lawyer reads the case but cannot revoke
    ),
    Route("GET", f"{MP}/lawyer/cases", "user", USERS),
    Route("GET", f"{COURT}/agent-approvals", "any", COURT_STAFF),  # each court's staff see their own court's queue
    Route(
        "POST",
        f"{COURT}/agent-approvals/<uuid:approval_id>/decide",
        "any",
        frozenset({"clerk", "judge", "machine"}),
        _pending_approval,
        lambda w: {"approved": True, "reason": "授权委托书载明特别授权事项，予以准许"},
    ),  # everyone's own agencies; empty for non-lawyers
    Route(
        "POST",
        f"{COURT}/hotline/calls",
        "user",
        HOTLINE,
        body=lambda w: {
            "caller_phone": "13900008888",
            "caller_name": "来电人",
            "summary": "咨询立案",
            "category": "filing",
            "create_case": _hotline_case(w),
        },
        gate="hotline_operator",
    ),
    Route("GET", f"{COURT}/hotline/calls", "user", HOTLINE, gate="hotline_operator"),
    Route(
        "POST",
        f"{MP}/cases/claim",
        "user",
        CITIZEN,  # the caller's phone is the citizen's; for everyone else the code answers 404
        body=lambda w: {"code": w.extra["claim_code"]},
    ),
]

NONEXISTENT_PATHS = {
    f"{COURT}/agent-approvals/<uuid:approval_id>/decide": f"/agent-approvals/{NONEXISTENT}/decide",
    f"{MP}/cases/<uuid:case_id>/agents": f"/cases/{NONEXISTENT}/agents",
    f"{MP}/cases/<uuid:case_id>/agents/<uuid:agent_id>/confirm": f"/cases/{NONEXISTENT}/agents/{NONEXISTENT}/confirm",
    f"{MP}/cases/<uuid:case_id>/agents/<uuid:agent_id>/decline": f"/cases/{NONEXISTENT}/agents/{NONEXISTENT}/decline",
    f"{MP}/cases/<uuid:case_id>/agents/<uuid:agent_id>/revoke": f"/cases/{NONEXISTENT}/agents/{NONEXISTENT}/revoke",
}
