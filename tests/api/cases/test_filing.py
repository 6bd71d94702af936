"""Filing cases over HTTP: validation per field, exactly once under retries, PII masked for others."""

import threading

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect

from app.cases import acceptance_hooks, filed_rows
from app.cases import access as case_access
from app.cases import filing as case_filing
from app.cases import queries as case_queries
from app.cases.models import Case, CaseConsent, CaseParty, TimelineEvent
from app.extensions import db
from app.identity import login_sessions as sessions
from miniprogram_api.schemas.cases import CaseCreateIn
from tests.support.cases import RESPONDENT_ID, file_case, filing
from tests.support.factories import login, make_court, make_org, make_user
from tests.support.scheduling import lawyer


@pytest.fixture
def filer():
    return make_user(real_name="张三", phone="13800000008")


def test_file_a_mediation_and_read_it_back(client, filer):
    org = make_org()
    headers = login(filer)
    response = client.post("/api/mp/v1/cases", json=filing(org=org), headers=headers)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["status"] == "submitted" and case["kind"] == "mediation" and case["amount"] == "12000.00"
    me, other = sorted(case["parties"], key=lambda p: not p["is_me"])
    assert me["is_me"] and me["name"] == "张三" and me["phone"] == "+8613800000008"
    assert other["phone"] == "138****0009" and other["id_number"] == RESPONDENT_ID[:3] + "*" * 11 + RESPONDENT_ID[-4:]
    assert case["org"]["name"] == org.name and "party" in case["my_relations"]
    assert {c["kind"] for c in case["consents"]} == {"e_service", "online_mediation"}
    listed = client.get("/api/mp/v1/cases", headers=headers).get_json()
    assert [c["id"] for c in listed["items"]] == [case["id"]] and listed["next_cursor"] is None
    events = client.get(f"/api/mp/v1/cases/{case['id']}/timeline", headers=headers).get_json()
    assert [e["type"] for e in events] == ["case.filed"] and events[0]["to_status"] == "submitted"


def test_the_detail_names_its_court_and_organisation_by_id(client, filer):
    """court_id and org_id, as CaseDetailOut declares them: the case's own, null when none, on every answer with
    the detail (the filing's 201, the read, a write's answer such as a withdrawal's)."""
    org, court = make_org(), make_court()
    headers = login(filer)
    for payload, court_id, org_id in (
        (filing(org=org), None, str(org.id)),
        (filing(kind="litigation", court=court), str(court.id), None),
    ):
        filed = client.post("/api/mp/v1/cases", json=payload, headers=headers)
        assert filed.status_code == 201, filed.get_json()
        case_id = filed.get_json()["id"]
        read = client.get(f"/api/mp/v1/cases/{case_id}", headers=headers)
        withdrawn = client.post(f"/api/mp/v1/cases/{case_id}/withdraw", json={"reason": "双方已和解"}, headers=headers)
        for answer in (filed, read, withdrawn):
            assert answer.status_code in (200, 201), answer.get_json()
            body = answer.get_json()
            assert (body["court_id"], body["org_id"]) == (court_id, org_id), answer.request.path
            assert (body["court"] or {}).get("id") == court_id and (body["org"] or {}).get("id") == org_id


def test_litigation_needs_a_court_and_a_verified_filer(client):
    unverified = make_user()
    response = client.post("/api/mp/v1/cases", json=filing(kind="litigation"), headers=login(unverified))
    assert response.status_code == 422
    assert {"court_id", "parties"} <= set(response.get_json()["errors"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "外星人纠纷"}, "category"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"title": ""}, "title"),
        ({"claims": ""}, "claims"),
        ({"kind": "arbitration"}, "kind"),
        ({"status": "accepted"}, "status"),
        ({"case_number": "(2026)浙0212民初1号"}, "case_number"),
        ({"parties": [{"role": "applicant", "name": "张三", "is_self": True}]}, "parties"),
        (
            {
                "parties": [
                    {"role": "applicant", "name": "张三", "is_self": True},
                    {"role": "applicant", "name": "王五"},
                ]
            },
            "parties",
        ),
        (
            {
                "parties": [
                    {"role": "applicant", "name": "张三", "is_self": True},
                    {"role": "respondent", "name": "李四", "id_number": "330206198501010030"},
                ]
            },
            "parties.1.id_number",
        ),
        (
            {
                "parties": [
                    {"role": "applicant", "name": "张三", "is_self": True},
                    {"role": "respondent", "name": "李四", "phone": "12345"},
                ]
            },
            "parties.1.phone",
        ),
        (
            {
                "parties": [
                    {"role": "plaintiff", "name": "张三", "is_self": True},
                    {"role": "respondent", "name": "李四"},
                ]
            },
            "parties.0.role",
        ),
        ({"org_id": "00000000-0000-7000-8000-000000000000"}, "org_id"),
    ],
)
def test_validation_errors_name_the_field_and_write_nothing(client, filer, change, field):
    org = make_org()
    response = client.post("/api/mp/v1/cases", json=filing(org=org, **change), headers=login(filer))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(key == field or key.startswith(field + ".") for key in errors), errors
    for model in (Case, CaseParty, CaseConsent, TimelineEvent):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_retries_with_the_same_key_create_one_case(app, client, filer):
    org = make_org()
    headers = {**login(filer), "Idempotency-Key": "phone-retry-7f3a"}
    payload = filing(org=org)
    codes = []

    def post():
        codes.append(app.test_client().post("/api/mp/v1/cases", json=payload, headers=headers).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert set(codes) <= {201, 409} and 201 in codes
    again = client.post("/api/mp/v1/cases", json=payload, headers=headers)
    assert again.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_other_people_cannot_see_the_case(client, filer):
    case = client.post("/api/mp/v1/cases", json=filing(org=make_org()), headers=login(filer)).get_json()
    stranger = login(make_user())
    assert client.get(f"/api/mp/v1/cases/{case['id']}", headers=stranger).status_code == 404
    assert client.get("/api/mp/v1/cases", headers=stranger).get_json()["items"] == []
    unknown = client.get("/api/mp/v1/cases/00000000-0000-7000-8000-000000000000", headers=stranger)
    assert unknown.get_json()["reason"] == "case.not_found"


def test_court_staff_see_their_courts_cases_only(client, filer):
    court, other_court = make_court(), make_court()
    case = client.post("/api/mp/v1/cases", json=filing(kind="litigation", court=court), headers=login(filer))
    assert case.status_code == 201, case.get_json()
    from tests.support.factories import grant

    clerk, other_clerk = make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(other_clerk, role="clerk", court=other_court)
    case_id = case.get_json()["id"]
    seen = client.get(f"/api/mp/v1/cases/{case_id}", headers=login(clerk)).get_json()
    assert seen["parties"][0]["phone"].count("*") == 4  # staff see PII masked too
    assert client.get(f"/api/mp/v1/cases/{case_id}", headers=login(other_clerk)).status_code == 404


def test_withdrawal_by_the_filer_only(client, filer):
    case = client.post("/api/mp/v1/cases", json=filing(org=make_org()), headers=login(filer)).get_json()
    response = client.post(f"/api/mp/v1/cases/{case['id']}/withdraw", json={"reason": "已和解"}, headers=login(filer))
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    again = client.post(f"/api/mp/v1/cases/{case['id']}/withdraw", json={"reason": "再次"}, headers=login(filer))
    assert again.status_code == 409 and again.get_json()["errors"] == {"status": ["withdrawn"]}
    assert "'withdrawn'" in again.get_json()["message"]


def test_pagination_walks_every_case_once(client, filer, clock):
    org = make_org()
    headers = login(filer)
    created = []
    for number in range(7):
        clock.advance(seconds=1)
        body = filing(org=org, title=f"第{number}号纠纷")
        created.append(client.post("/api/mp/v1/cases", json=body, headers=headers).get_json()["id"])
    seen, cursor = [], None
    while True:
        page = client.get(
            "/api/mp/v1/cases", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=headers
        ).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(created))
    bad = client.get("/api/mp/v1/cases", query_string={"cursor": "garbage!"}, headers=headers)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]


@pytest.mark.parametrize("keyed", [True, False], ids=["deferred-commit", "committed"])
@pytest.mark.parametrize("kind", ["mediation", "litigation"])
def test_the_filing_answer_is_the_detail_read_back(client, filer, kind, keyed):
    """The answer of a filing is built from the rows the filing wrote (issue 18): exactly what a read gives."""
    venue = {"org": make_org()} if kind == "mediation" else {"court": make_court()}
    headers = login(filer) | ({"Idempotency-Key": f"answer-{kind}"} if keyed else {})
    body = filing(kind=kind, **venue, service_address="宁波市北仑区新碶街道1号")
    body["parties"].append({"role": body["parties"][1]["role"], "name": "王五", "phone": "13800000010"})
    filed = client.post("/api/mp/v1/cases", json=body, headers=headers)
    assert filed.status_code == 201, filed.get_json()
    answer = filed.get_json()
    assert answer["consents"] and len(answer["parties"]) == 3
    read = client.get(f"/api/mp/v1/cases/{answer['id']}", headers=login(filer))
    assert read.status_code == 200
    assert filed.data == read.data


def test_a_lawyers_filing_answer_is_the_detail_read_back(client):
    counsel = lawyer()
    body = filing(org=make_org())
    body["parties"][0].pop("is_self")
    headers = login(counsel)
    filed = client.post("/api/mp/v1/cases", json=body, headers=headers | {"Idempotency-Key": "lawyer-filing"})
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["consents"] == [] and filed.get_json()["my_party_ids"] == []
    assert filed.data == client.get(f"/api/mp/v1/cases/{filed.get_json()['id']}", headers=headers).data


def test_a_warmed_filing_builds_no_statement(client, filer, monkeypatch):
    org = make_org()
    headers = login(filer)
    warm = client.post("/api/mp/v1/cases", json=filing(org=org), headers=headers | {"Idempotency-Key": "w"})
    assert warm.status_code == 201
    built = []
    for module in (case_access, case_filing, case_queries):
        monkeypatch.setattr(module, "select", lambda *a, _o=module.select, **k: built.append(a) or _o(*a, **k))
    monkeypatch.setattr(filed_rows, "insert", lambda *a, _o=filed_rows.insert, **k: built.append(a) or _o(*a, **k))
    answer = client.post("/api/mp/v1/cases", json=filing(org=org), headers=headers | {"Idempotency-Key": "x"})
    assert answer.status_code == 201 and built == []


def test_the_filings_rows_are_every_column_of_their_tables():
    """The parties and consents are written as plain rows (issue 18): each names every column, as the unit of work
    wrote them, and the filing sets every column of the case (none is left to a default or read back)."""
    assert set(filed_rows.PartyRow._fields) == set(CaseParty.__table__.columns.keys())
    assert set(filed_rows.ConsentRow._fields) == set(CaseConsent.__table__.columns.keys())
    assert set(filed_rows.CASE_KEYS) == set(Case.__table__.columns.keys())


def test_the_filings_one_statement_stays_within_psycopgs_cached_conversion():
    """psycopg converts a statement's SQL for the server once and caches it only up to 4096 characters and 50
    parameters (psycopg/_queries.py); above that it parses the SQL again on every execution, which cost more than
    the INSERTs (issue 18). A column added to cases or case_timeline counts here."""
    compiled = filed_rows._TOGETHER.compile(dialect=psycopg_dialect())
    assert len(str(compiled)) <= 4096 and len(compiled.binds) <= 50


def test_what_the_filing_wrote_is_read_back_in_its_transaction(app, filer):
    """The case, its parties, consents and entry are in their tables before the filed hooks run (read-your-writes);
    the case is in the session as if flushed (persistent, nothing expired) and its insert listeners ran."""
    seen: dict = {}

    def hook(case, actor):
        seen["parties"] = db.session.scalars(select(CaseParty.name).where(CaseParty.case_id == case.id)).all()
        seen["consents"] = db.session.scalar(select(func.count()).where(CaseConsent.case_id == case.id))
        seen["entries"] = db.session.scalars(select(TimelineEvent.type).where(TimelineEvent.case_id == case.id)).all()
        seen["persistent"] = inspect(case).persistent and not inspect(case).expired_attributes

    def inserted(_mapper, _connection, target):
        seen["inserted"] = target

    acceptance_hooks.register_filed("test.read_back", hook)
    event.listen(Case, "after_insert", inserted)
    try:
        case = file_case(filer, org=make_org())
    finally:
        event.remove(Case, "after_insert", inserted)
        acceptance_hooks._filed_hooks.pop("test.read_back")
    assert sorted(seen["parties"]) == ["张三", "李四"] and seen["consents"] == 2
    assert seen["entries"] == ["case.filed"] and seen["persistent"] and seen["inserted"] is case
    assert db.session.get(Case, case.id) is case


def test_a_filing_rolled_back_leaves_nothing(app, filer):
    """The one statement (PostgreSQL) or four (SQLite) roll back with the transaction, as the flush did."""
    org = make_org()
    data = CaseCreateIn().load(filing(org=org))
    case_filing._build(actor=sessions.load_principal(filer), data=data, creation_key="gone", filed_via="self")
    db.session.rollback()
    for model in (Case, CaseParty, CaseConsent, TimelineEvent):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
