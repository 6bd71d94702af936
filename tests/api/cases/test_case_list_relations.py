"""The caller's case list merges every relation (party, agent, mediator, filer, court/org staff) page by page."""

from sqlalchemy import select

from app.cases.models import CaseAgent, CaseParty
from app.extensions import db
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court, make_org, make_user


def _walk(client, headers, **query):
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **query, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/mp/v1/cases", query_string=params, headers=headers).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return seen


def test_every_relation_once_newest_first_across_pages(client, clock):
    me = make_user(real_name="王五", phone="13900000001")
    court, org, other_court = make_court("C0001"), make_org(), make_court("C0002")
    grant(me, role="clerk", court=court)
    expected = []

    def made(case):
        clock.advance(seconds=1)
        expected.append(str(case.id))
        return case

    made(file_case(me, org=org))  # filer
    as_party = made(file_case(org=org))
    party = db.session.scalar(select(CaseParty).where(CaseParty.case_id == as_party.id, CaseParty.role == "respondent"))
    party.user_id = me.id
    as_mediator = made(file_case(org=org))
    as_mediator.mediator_user_id = me.id
    as_lawyer = made(file_case(org=org))
    applicant = db.session.scalar(
        select(CaseParty).where(CaseParty.case_id == as_lawyer.id, CaseParty.role == "applicant")
    )
    db.session.add(
        CaseAgent(
            case_id=as_lawyer.id, party_id=applicant.id, lawyer_user_id=me.id, authority="general", status="active"
        )
    )
    made(file_case(kind="litigation", court=court))  # staff of the court
    both = made(file_case(me, kind="litigation", court=court))  # filer AND staff: listed once
    pending = file_case(org=org)
    clock.advance(seconds=1)
    other = db.session.scalar(select(CaseParty).where(CaseParty.case_id == pending.id, CaseParty.role == "applicant"))
    db.session.add(
        CaseAgent(
            case_id=pending.id,
            party_id=other.id,
            lawyer_user_id=me.id,
            authority="general",
            status="pending_confirmation",
        )
    )
    file_case(kind="litigation", court=other_court)  # unrelated
    db.session.commit()

    headers = login(me)
    assert _walk(client, headers) == list(reversed(expected))
    assert _walk(client, headers, kind="litigation") == [str(both.id), expected[-2]]
    assert str(pending.id) not in _walk(client, headers, status="submitted")


def test_cases_filed_in_one_instant_page_by_id_each_once(client, clock):
    """Equal created_at: the page is cut in the database by (created_at, id); a case in two relations shows once."""
    me = make_user(real_name="赵六", phone="13900000002")
    org = make_org()
    mine = [file_case(me, org=org) for _ in range(3)]  # filer
    theirs = [file_case(org=org) for _ in range(2)]
    for case in [*theirs, mine[0]]:  # a party too, and for mine[0] also its filer: listed once
        party = db.session.scalar(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "respondent"))
        party.user_id = me.id
    db.session.commit()
    everyone = sorted((str(case.id) for case in [*mine, *theirs]), reverse=True)
    assert len({case.created_at for case in [*mine, *theirs]}) == 1

    headers = login(me)
    assert _walk(client, headers) == everyone
    assert _walk(client, headers, limit=1) == everyone
    assert _walk(client, headers, limit=5) == everyone
