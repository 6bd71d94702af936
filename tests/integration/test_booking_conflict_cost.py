"""A booking refused with 409 mediation.slot_conflict stays cheap (issue 18): the participants named in the answer
are read in one statement (the case's parties as rows and the names of the mediator and the lawyers), and the
cases' members of the clashing sessions in one more, whatever the number of people named."""

from app.extensions import db
from app.identity import User
from tests.integration.test_statement_budgets import counting
from tests.support.factories import login
from tests.support.scheduling import add_lawyer, join, lawyer, local, mediation_case, person

MP = "/api/mp/v1"
DAY = "2026-11-10"  # a Tuesday; the test clock stands at 2026-11-02 10:00 Shanghai
# Auth 1; the case FOR UPDATE and its facts 2; the schedule locks 1; unavailability and sessions 1; the clashing
# sessions' cases' members (parties and lawyers, one UNION ALL) 1; the participants to name (the parties as rows,
# the mediator's and the lawyers' names, one UNION ALL) 1. It was 9 here: the members 2, the parties 1 and one read
# per person named 2 (the mediator, the lawyer).
# Issue 18, booking (app/scheduling/booking.py): on PostgreSQL the facts come with the schedule locks in one
# statement, and the overlap check is the statement that would have written the session (it writes nothing when it
# finds an overlap), so 6 there: auth, the case, the facts with the locks, the check, the members, the participants.
CONFLICT_STATEMENTS = {"sqlite": 7, "postgresql": 6}


def test_a_slot_conflict_names_everyone_in_few_statements(client, clock):
    case = mediation_case()
    join(case, person("李四"))
    add_lawyer(case, lawyer("赵大律师"))
    headers = login(db.session.get(User, case.mediator_user_id))
    slot = {"starts_at": local(DAY, "09:00"), "ends_at": local(DAY, "10:00"), "mode": "phone"}
    url = f"{MP}/cases/{case.id}/sessions"
    assert client.post(url, json=slot, headers=headers).status_code == 201
    db.session.close()  # as in production, the request starts with an empty session
    with counting() as count:
        answer = client.post(url, json=slot, headers=headers)
    assert answer.status_code == 409, answer.get_json()
    body = answer.get_json()
    assert body["reason"] == "mediation.slot_conflict"
    assert body["errors"]["double_booked"] == [
        {"role": "mediator", "party_role": None, "name": "王**", "reasons": ["session"]},
        {"role": "party", "party_role": "applicant", "name": "张*", "reasons": ["session"]},
        {"role": "party", "party_role": "respondent", "name": "李*", "reasons": ["session"]},
        {"role": "lawyer", "party_role": "respondent", "name": "赵***", "reasons": ["session"]},
    ]
    assert len(count.statements) <= CONFLICT_STATEMENTS[db.engine.dialect.name], count
    assert count.commits == 0, count
