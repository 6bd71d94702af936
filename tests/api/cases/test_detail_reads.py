"""The case detail's merged reads (issue 18) give what separate reads gave, for every kind of caller.

The detail reads the case with its court, organisation, open correction and parties in one statement, derives the
permission facts from those parties and the agents, and reads the caller's consents with every count in one
statement. Here each caller's detail is compared with the separate reads: the facts as `facts_for` reads them,
the parties, correction, agents by their own statements, the counts by the evidence and documents domains'
own `visible_count`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, select

from app.cases import access as case_access
from app.cases import queries as case_queries
from app.cases.models import CaseParty, CorrectionRequest
from app.documents import queries as documents_queries
from app.errors import NotFound
from app.evidence import catalogue as evidence_catalogue
from app.extensions import db
from app.identity import login_sessions as sessions
from app.utils import clock
from tests.api.cases.test_agents_power_of_attorney import evidence
from tests.api.service.support import add_lawyer, push, service_world
from tests.support.factories import make_user

PARTIES = select(CaseParty).where(CaseParty.case_id == bindparam("case_id")).order_by(CaseParty.id)
OPEN_CORRECTION = (
    select(CorrectionRequest)
    .where(CorrectionRequest.case_id == bindparam("case_id"), CorrectionRequest.answered_at.is_(None))
    .order_by(CorrectionRequest.created_at.desc())
)


def separately(case_id, actor) -> dict:
    """The detail as `describe` gives it after a write (its own merged reads), checked against the separate reads
    it replaced: the case and its facts (`load`), the parties, the open correction, the agents, the counts."""
    case, facts = case_access.load(case_id, actor=actor)
    parties = list(db.session.scalars(PARTIES, {"case_id": case.id}))
    correction = db.session.scalars(OPEN_CORRECTION, {"case_id": case.id}).first()
    agents = db.session.execute(case_queries._AGENTS_QUERY, {"case_id": case.id}).all()
    view = case_queries.describe(case, facts, actor=actor)
    assert [p["id"] for p in view["parties"]] == [p.id for p in parties]
    assert view["open_correction"] is correction and len(view["agents"]) == len(agents)
    assert view["counts"] == {
        "evidence": evidence_catalogue.visible_count(case, facts, actor=actor),
        "documents": documents_queries.visible_count(case, facts, actor=actor),
    }
    return view


@pytest.fixture
def world(client):
    world = service_world()
    lawyer, _headers = add_lawyer(world)
    pending, _ = add_lawyer(world, status="pending_confirmation")
    for _ in range(2):
        assert push(client, world).status_code == 201
    evidence(world.respondent, world.respondent_user)
    evidence(world.applicant, world.people["filer"], submitted=True)
    evidence(world.applicant, world.people["filer"])  # the filer's own draft: theirs only
    db.session.add(
        CorrectionRequest(
            case_id=world.case.id,
            items=["证据目录"],
            note=None,
            due_at=clock.now() + dt.timedelta(days=5),
            requested_by=world.people["clerk"].id,
        )
    )
    db.session.commit()
    world.people |= {"lawyer": lawyer, "pending lawyer": pending, "stranger": make_user()}
    return world


@pytest.mark.parametrize("who", ["filer", "respondent", "lawyer", "pending lawyer", "clerk", "stranger"])
def test_each_callers_detail_is_what_separate_reads_give(world, who):
    user = world.respondent_user if who == "respondent" else world.people[who]
    actor = sessions.load_principal(user)
    case_id = world.case.id
    if who in ("stranger", "pending lawyer"):
        with pytest.raises(NotFound):
            case_queries.case_detail(case_id=case_id, actor=actor)
        with pytest.raises(NotFound):
            separately(case_id, actor)
        return
    db.session.expunge_all()  # the detail reads everything itself
    merged = case_queries.case_detail(case_id=case_id, actor=actor)
    db.session.expunge_all()
    alone = separately(case_id, actor)
    assert merged.keys() == alone.keys()
    for key in merged:
        if key == "open_correction":
            assert merged[key].id == alone[key].id
        elif key == "consents":
            assert [c.id for c in merged[key]] == [c.id for c in alone[key]]
        elif key in ("court", "org"):
            assert getattr(merged[key], "id", None) == getattr(alone[key], "id", None)
        else:
            assert merged[key] == alone[key], key
    if who in ("filer", "respondent", "lawyer"):
        assert merged["consents"] and merged["counts"]["evidence"] >= 1
    if who == "clerk":
        assert merged["consents"] == [] and merged["counts"] == {"evidence": 1, "documents": 2}
    assert len(merged["parties"]) == len(list(db.session.query(CaseParty).filter_by(case_id=case_id)))
