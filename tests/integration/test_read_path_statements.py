"""The read calls of the mixed workload (issue 18, session 6, read path): statements counted and built once.

A token refresh reads the token, its session, the session's user and the user's roles in one statement (was
five); "my schedule" reads every relation's sessions in one statement (was six); the case detail's own statements
and the next session's are built once with bound parameters, not per call. Deterministic: statements counted at
the driver, and calls of `select` in the modules that build them during a warmed request (none).
"""

from __future__ import annotations

import pytest

from app.cases import access as case_access
from app.cases import queries as case_queries
from app.extensions import db
from app.identity import login_sessions
from app.identity.models import User
from app.platform import pagination
from app.scheduling import queries as schedule_queries
from tests.integration.test_statement_budgets import counting
from tests.support.factories import login, login_pair
from tests.support.scheduling import MP, add_lawyer, book, join, lawyer, local, mediation_case, person

DAY = "2026-11-10"  # the test clock stands at 2026-11-02 10:00 Shanghai
# Token, session, user, roles and memberships 1; spend the token 1; the session's last use 1; the new token 1;
# after the COMMIT nothing (the answer's user and roles come from the first read; a lawyer profile 1 only for a
# user who has one).
REFRESH_STATEMENTS = 4
# auth 1; the sessions of every relation (mediator, judge, clerk, party, lawyer) with their case titles 1.
SCHEDULE_STATEMENTS = 2


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    built: list[str] = []
    for module in (case_access, case_queries, login_sessions, pagination, schedule_queries):
        original = module.select

        def counted(*args, _original=original, _name=module.__name__, **kwargs):
            built.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, "select", counted)
    return built


def test_a_refresh_reads_token_session_and_user_in_one_statement(client, builds):
    pair = login_pair(person("张三"))
    warm = client.post(f"{MP}/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert warm.status_code == 200
    builds.clear()
    with counting() as count:
        answer = client.post(f"{MP}/auth/refresh", json={"refresh_token": warm.get_json()["refresh_token"]})
    assert answer.status_code == 200
    assert len(count.statements) <= REFRESH_STATEMENTS, count
    assert not [s for s in count.statements if s.lstrip().startswith("SELECT auth_sessions")], count
    assert builds == []
    # the spent token is still refused, and its whole family ends
    reused = client.post(f"{MP}/auth/refresh", json={"refresh_token": warm.get_json()["refresh_token"]})
    assert reused.status_code == 401 and reused.get_json()["reason"] == "auth.refresh_reused"
    fresh = client.post(f"{MP}/auth/refresh", json={"refresh_token": answer.get_json()["refresh_token"]})
    assert fresh.status_code == 401


def test_my_schedule_is_one_statement_for_every_relation(client, clock, builds):
    counsel = lawyer()
    case = mediation_case(title="第一案")
    add_lawyer(case, counsel)
    med = person("王调解")
    case.mediator_user_id = med.id
    db.session.commit()
    join(case, person("李四"))
    assert book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    headers = login(counsel)
    client.get(f"{MP}/me/schedule", headers=headers)  # warm
    builds.clear()
    with counting() as count:
        answer = client.get(f"{MP}/me/schedule", headers=headers)
    assert answer.status_code == 200
    assert [(i["case_title"], i["my_role"]) for i in answer.get_json()["items"]] == [("第一案", "lawyer")]
    assert len(count.statements) <= SCHEDULE_STATEMENTS, count
    assert builds == []


def test_the_case_detail_builds_no_statement_of_its_own(client, clock, builds):
    case = mediation_case(title="第一案")
    med = case.mediator_user_id
    assert book(client, case, db.session.get(User, med), local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    filer = db.session.get(User, case.filed_by_user_id)
    headers = login(filer)
    assert client.get(f"{MP}/cases/{case.id}", headers=headers).status_code == 200  # warm
    builds.clear()
    answer = client.get(f"{MP}/cases/{case.id}", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["next_session"] is not None
    assert answer.get_json()["consents"]  # the filer's own consents, read through the expanding bound list
    assert builds == []


# auth 1; the case with its court, organisation, open correction, parties and each party's agents 1 (the permission
# facts come from it); the caller's consents with the evidence and document counts, the next session and the
# deadlines' clock 1 (session 10: 6 -> 3, the agents, next session and deadlines folded; before that 12: the
# organisation read on its own; then 11: facts, parties, correction, consents and the two counts each on their own).
DETAIL_STATEMENTS = 3


def test_the_case_detail_reads_its_court_and_organisation_with_the_case(client, clock):
    case = mediation_case(title="第一案")
    assert case.org_id is not None or case.court_id is not None
    headers = login(db.session.get(User, case.filed_by_user_id))
    assert client.get(f"{MP}/cases/{case.id}", headers=headers).status_code == 200  # warm
    db.session.expunge_all()  # a request starts with an empty session, as in production
    with counting() as count:
        answer = client.get(f"{MP}/cases/{case.id}", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["org"] is not None) == (case.org_id is not None) or body["court"] is not None
    # the venue's ids too (CaseDetailOut's court_id, org_id), from the case's own row: no statement more
    assert (body["court_id"], body["org_id"]) == tuple(str(v) if v else None for v in (case.court_id, case.org_id))
    assert len(count.statements) <= DETAIL_STATEMENTS, count
    assert not [s for s in count.statements if "FROM mediation_organizations" in s and "FROM cases" not in s], count


# auth 1; the branches (party, agent, mediator, filer) in one UNION ALL, each with its own index, order and limit,
# merged, cut to the page and joined to the page's cases 1 (was 6: each branch on its own; then 3: the page apart).
LIST_STATEMENTS = 2


def test_the_case_list_builds_no_statement_during_a_warmed_call(client, clock, builds):
    first = mediation_case(title="第一案")
    filer = db.session.get(User, first.filed_by_user_id)
    headers = login(filer)
    for query in ("", "?limit=1"):
        assert client.get(f"{MP}/cases{query}", headers=headers).status_code == 200  # warm
    warm = client.get(f"{MP}/cases?limit=1", headers=headers).get_json()
    builds.clear()
    with counting() as count:
        answer = client.get(f"{MP}/cases", headers=headers)
    assert answer.status_code == 200
    assert [item["title"] for item in answer.get_json()["items"]] == ["第一案"]
    assert len(count.statements) <= LIST_STATEMENTS, count
    assert builds == []
    assert warm["next_cursor"] is None
