"""Statement and commit budgets of the lifecycle's write calls (issue 18), one real HTTP request each.

The calls of `bench/lifecycle.py` other than the evidence upload and the court push (those are budgeted in
test_statement_budgets.py, with the same counter): a citizen files a mediation case, the organisation's admin
chooses a mediator, the mediator accepts, books a session, invites the respondent, the respondent accepts, the
mediator records a settlement, both parties sign; then a document pushed to a citizen is opened and acknowledged.
The lifecycle is walked twice and the second walk is counted (first-request work, settings and caches, is not the
budget); each request starts with an empty session, as in production (the test's session is closed before it).
Counts are deterministic; where SQLite and PostgreSQL differ the budget names both and says why. A change that
adds a statement fails here: fold it into an existing one or raise the budget on purpose, with a reason.
"""

from __future__ import annotations

import uuid

import pytest

from app.extensions import db
from tests.api.mediation.helpers_outcome import mediator
from tests.api.service.support import push, service_world
from tests.integration.test_statement_budgets import WRITE_COMMITS, Count, counting
from tests.support.cases import filing
from tests.support.factories import grant, login, make_org, make_user

MP = "/api/mp/v1"
# call: (SQLite, PostgreSQL) statements. "before" is the count before session 6's changes (docs/benchmarks.md).
BUDGETS: dict[str, tuple[int, int]] = {
    # Before 22, then 18. Auth 1; idempotency 2 (the claim, the answer); one read ahead: the creation key's earlier
    # case, the court, the organisation and the calendar's version (off-hours filing) 1; the flush: the case 1 (alone
    # first: the models declare no relationships, so the unit of work does not order tables), the parties 1, the
    # consents 1, the timeline entry 1. The answer is built from the rows just written, its transaction still open
    # (app/cases/filing.just_filed): no facts, parties, correction, agents, consents, session, counts read.
    # Now 5 on PostgreSQL: the case, its parties, the filer's consents and the timeline entry are plain rows written
    # in one statement (data-modifying CTEs, app/cases/filed_rows.py), no ORM flush; SQLite has no such CTEs and
    # keeps one INSERT per table (the case, the parties, the consents, the entry: 4, as before).
    # Session 13: 4 on PostgreSQL. The key's claim is a CTE of authentication's SELECT (app/platform/early_claim.py),
    # as in every keyed call below (session book, invitation issue): one statement fewer each.
    "case create": (8, 4),
    # Before 12, then 8. Auth 1; the case FOR UPDATE and its facts 2; the chosen mediator if eligible, with their
    # active load, the case's pending offers and those made to them as scalar subqueries 1; the UPDATE superseding
    # the case's pending offer only when there is one; the offer (a Core INSERT, issue 18: no ORM object); the flush:
    # the case, the timeline entry. The answer is built before the COMMIT (the load with the new offer counted in
    # memory).
    # Session 11: 6. The case FOR UPDATE and its facts in one statement (app/mediation/case_facts.py).
    # Session 13: 5 on PostgreSQL. The offer's INSERT waits with the timeline entry (pending_rows) and goes out with
    # it as one statement after the case's UPDATE; the pending-offer index still answers a race at that flush.
    "mediation choose": (6, 5),
    # Before 9, then 7. Auth 1; the case FOR UPDATE 1; the offer with its mediator's profile and load 1 (only an
    # assigned case's offer is accepted: its pending offer counted as the accepted one counts after); the offer's
    # answer (a Core UPDATE, issue 18, the loaded row told with set_committed_value); the flush: the case, the
    # timeline entry.
    # Session 11: 5. The locked case, the caller's pending offer, its profile and load in one statement; the offer's
    # answer an UPDATE conditional on it still pending.
    "mediation accept": (5, 5),
    # Before 15, then 13. Auth 1; idempotency 2; the case FOR UPDATE and its facts 2 (the participants' ids: their
    # parties are read only to name a double booking); the schedule locks 1 (PostgreSQL: one INSERT ... ON CONFLICT
    # DO UPDATE ... WHERE false, which inserts the missing rows and locks the others in id order; SQLite, without row
    # locks: the INSERT ... DO NOTHING); unavailability and sessions 1 (conflicts, one UNION ALL); the session 1 (a
    # Core INSERT before its reminders, which refer to it; issue 18: no ORM object, no flush of its own); the
    # reminders 1; the flush: the case 1, the timeline entries 1. A session just booked has no attendance answers.
    # Issue 18, booking: 8 on PostgreSQL (app/scheduling/booking.py). The case FOR UPDATE alone 1 (its row says
    # whether the caller is its mediator; anyone else has the facts read to answer 404 or 403 as before); then, after
    # that lock, the facts with the schedule locks of the people they name 1 (WITH facts AS (...), locked AS (INSERT
    # ... ON CONFLICT DO UPDATE ... WHERE false) SELECT the facts); then, after those locks, the overlap check with
    # the session's INSERT and its reminders' (one INSERT ... SELECT from unnest(arrays)), both only when nothing
    # overlaps, 1 (data-modifying CTEs). SQLite has none: still 11 there.
    # Session 13: 6 on PostgreSQL. The timeline entries (the session's, the mediation's start) and the case's new
    # status are two more CTEs of that statement, written only when the session's INSERT is (app/scheduling/
    # booking.py book_and_record): no flush statement is left. A later booking (no status change) is 6 too.
    # And the key's claim is a CTE of authentication's SELECT (app/platform/early_claim.py): 5.
    "session book": (11, 5),
    # Before 9 (not budgeted). Auth 1; idempotency 2; the case and its facts 2; the named party 1; the invitation 1
    # (INSERT ... ON CONFLICT DO NOTHING RETURNING: a taken token or code hash returns nothing and is drawn again, no
    # collision read first); the timeline entry 1.
    # Session 11: 6. The case FOR UPDATE with its facts and the named party in one statement (case_facts).
    # Session 13: 6 (5). PostgreSQL: the timeline entry is INSERTed by the invitation's statement (WITH
    # new_invitation AS (INSERT ... ON CONFLICT DO NOTHING RETURNING id) INSERT INTO case_timeline ... FROM
    # new_invitation: no entry for a draw whose hash was taken, which is drawn again). And the key's claim is a CTE
    # of authentication's SELECT (app/platform/early_claim.py): 4.
    "invitation issue": (6, 4),
    # Before 14, then 10. Auth 1; the invitation by its token with its case FOR UPDATE (OF the case) 1 (its end is
    # checked under the lock) and its facts 1; the invited party with the case's sessions ahead (to remind of) 1;
    # the use taken 1 and the party bound 1 (conditional UPDATEs; the row is not read back); the flush: the timeline
    # entry 1, the reminders 1. The answer is built before the COMMIT.
    # Session 11: 7. The invited party and its sessions ahead read with the facts, after the lock as before.
    # Session 12: 7 (5). PostgreSQL: the use taken and the party bound in one statement (the party's UPDATE a CTE
    # that runs only if the use's did); the reminders and the timeline entry one statement (app/platform/
    # pending_rows.py: the rows of several INSERTs as data-modifying CTEs of one). SQLite runs each as before.
    "invitation accept": (7, 5),
    # Before 27, then 16 (15). Auth 1; the case FOR UPDATE and its facts 2; on SQLite only the conditional UPDATE
    # that takes the write lock (PostgreSQL holds the row lock already); the calendar 1; the hooks of a case that
    # ended: its future sessions cancelled 1 (UPDATE ... RETURNING: not read first, not written again), every
    # pending reminder of the case 1 (UPDATE ... RETURNING, counted per session), the cancelled sessions' video rooms
    # 1 each, delegations 1, the case's video rooms 1; the parties with the venue's and mediator's names 1; then one
    # flush: the case 1, the timeline entries 1, the agreement 1. (Session 8: the statistics upkeep no longer reads
    # the stored row when the change lands only on today, which a conclusion does: 15/14 -> 14/13.)
    # Session 11: 10 (9). The case FOR UPDATE with its facts, the calendar's version and whether an accepted
    # delegation exists in one statement (so the delegation's end hook reads none); the rooms of the sessions the
    # ending cancels are read with the case's other rooms (app/video/rooms.py), not one lookup per session.
    # Session 12: 10 (8). The agreement's row waits with the timeline entries (pending_rows) and, on PostgreSQL,
    # goes out in their statement after the case's UPDATE: auth, the locked case, the sessions cancelled, their
    # reminders, the rooms, the parties with the names, the case, the entries with the agreement.
    # Now 10 (6). On PostgreSQL the sessions' cancel and the reminders' are data-modifying CTEs of one statement,
    # which also reads the case's video rooms for video's end hook (a read it registers in app/cases/end_hooks.py,
    # carried by app/scheduling/ended_case.py): auth, the locked case, the sessions and reminders cancelled with the
    # rooms, the parties with the names, the case, the entries with the agreement. SQLite keeps its 10.
    "outcome": (10, 6),
    # Before 13, then 9 (8). Auth 1; the case FOR UPDATE and its facts 2; on SQLite only BEGIN IMMEDIATE (the
    # signers' lock; PostgreSQL locks the agreement's row); every party with the agreement FOR UPDATE (OF the
    # agreement) and the party's signature 1 (the signer's own, the total, the answer's names, already signed); the
    # flush: the timeline entry, the signature.
    # Session 11: 6 (5). The case FOR UPDATE and its facts in one statement (case_facts).
    # Session 12: 6 (4). The signature waits with the timeline entry (pending_rows): on PostgreSQL one statement.
    "agreement sign 1": (6, 4),
    # Before 15, then 10 (9). The same, and the agreement's effective_at (a Core UPDATE, issue 18: the agreement
    # is read as a plain row; the two timeline entries are one INSERT).
    # Session 12: 7 (4). On PostgreSQL the effective_at UPDATE, the signature and both entries are one statement.
    "agreement sign 2": (7, 4),
    # Before 15 (16 on SQLite), then 11 (12), 8 (9), now 7 (8). Auth 1; on SQLite only BEGIN IMMEDIATE (the lock,
    # app/documents/chain.py); the document FOR UPDATE (OF the document only) with its events for the answer, its
    # case, the court, the recipient party's account (who may act), the calendar's version (the deadline: app/legal)
    # and the court's active webhook subscriptions, all in one statement (app/documents/recipient.py
    # _LOCK_CASE_COURT_ACCOUNT; it was two); the event and the document's state 2; audit 3. The answer is built
    # before the COMMIT: the document, its case, court and events are not read again.
    # Session 11: 7 (5). The audit append guesses its chain position (app/audit/log.py): on PostgreSQL the head's
    # advance, the event and the head's hash are one statement when the guess holds, which it does in one process
    # that appended last to the shard (a miss costs one statement more: 2, as the budget's SQLite column shows 3 -> 2).
    # Session 12: 7 (4). On PostgreSQL the document's UPDATE and the act's event are one statement (WITH document AS
    # (UPDATE served_documents ... RETURNING id) INSERT INTO delivery_events SELECT ... FROM document: no event unless
    # the UPDATE matched: app/documents/combined.py); SQLite keeps the two.
    # Session 13: 7 (3). On PostgreSQL the audit append rides in that statement too (app/audit/log.py
    # `record_carried`, `carrying`: WITH document AS (UPDATE ...), audit_advanced AS (UPDATE audit_head ... WHERE
    # EXISTS (SELECT * FROM document)), audit_event AS (INSERT INTO audit_events ...) INSERT INTO delivery_events ...:
    # no append unless the UPDATE matched); a missed guess costs one statement more, as before.
    "document open": (7, 3),
    # Before 15 (16), then 12 (13), 9 (10), now 8 (9). The same, and the timeline entry. Session 12: 8 (4): on
    # PostgreSQL the timeline entry is a CTE of the document's UPDATE with the event (WITH x0 AS (INSERT INTO
    # case_timeline ...), document AS (UPDATE ...) INSERT ...). Session 13: 8 (3): and the audit append, as for open.
    "document acknowledge": (8, 3),
}


def key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


def lifecycle(client, org_id: str, profile_id: str, h_admin: dict, h_mediator: dict, filer, respondent, hour: int):
    """One mediation from filing to both signatures, over HTTP; the count of every call."""
    h_filer, h_respondent = login(filer), login(respondent)
    body = filing(org_id=org_id)
    body["parties"][1].pop("id_number", None)
    body["parties"][1]["name"] = respondent.real_name
    counts: dict[str, Count] = {}

    def call(name: str, method: str, url: str, expected: int, **kw) -> dict:
        db.session.close()  # as in production, the request starts with an empty session
        with counting() as count:
            answer = client.open(url, method=method, **kw)
        assert answer.status_code == expected, (name, answer.get_json())
        counts[name] = count
        return answer.get_json()

    case = call("case create", "POST", f"{MP}/cases", 201, json=body, headers=h_filer | key())
    case_id = case["id"]
    party = next(p["id"] for p in case["parties"] if p["role"] == "respondent")
    chosen = {"mediator_id": profile_id}
    call("mediation choose", "POST", f"{MP}/cases/{case_id}/mediator", 201, json=chosen, headers=h_admin)
    call("mediation accept", "POST", f"{MP}/cases/{case_id}/mediator/accept", 200, headers=h_mediator)
    slot = {
        "starts_at": f"2026-11-10T{hour:02d}:00:00+08:00",
        "ends_at": f"2026-11-10T{hour + 1:02d}:00:00+08:00",
        "mode": "phone",
    }
    call("session book", "POST", f"{MP}/cases/{case_id}/sessions", 201, json=slot, headers=h_mediator | key())
    invited = {"role": "respondent", "party_id": party}
    url = f"{MP}/cases/{case_id}/invitations"
    invitation = call("invitation issue", "POST", url, 201, json=invited, headers=h_mediator | key())
    call("invitation accept", "POST", f"{MP}/invitations/{invitation['token']}/accept", 200, headers=h_respondent)
    settled = {"result": "settled", "terms": "被申请人于2026年12月31日前归还12000元。"}
    call("outcome", "POST", f"{MP}/cases/{case_id}/outcome", 200, json=settled, headers=h_mediator)
    call("agreement sign 1", "POST", f"{MP}/cases/{case_id}/agreement/sign", 200, json={}, headers=h_filer)
    call("agreement sign 2", "POST", f"{MP}/cases/{case_id}/agreement/sign", 200, json={}, headers=h_respondent)
    return counts


def documents(client, world) -> dict[str, Count]:
    """A pushed document opened and acknowledged by its recipient; the count of both calls."""
    db.session.add_all([world.case, world.respondent])  # the test's own rows, back into the session for the push
    document_id = push(client, world).get_json()["document_id"]
    counts: dict[str, Count] = {}
    for name, method, url in (
        ("document open", "GET", f"{MP}/documents/{document_id}"),
        ("document acknowledge", "POST", f"{MP}/documents/{document_id}/acknowledge"),
    ):
        db.session.close()
        with counting() as count:
            answer = client.open(url, method=method, headers=world.respondent_headers)
        assert answer.status_code == 200, (name, answer.get_json())
        counts[name] = count
    return counts


@pytest.fixture
def counted(client, clock) -> dict[str, Count]:
    """The counts of the second of two lifecycles, and of the second document's open and acknowledge."""
    org = make_org()
    admin = make_user(real_name="管理员")
    grant(admin, role="org_admin", org=org)
    med, profile = mediator(org)
    profile.max_load = 1000
    db.session.commit()
    org_id, profile_id, h_admin, h_mediator = str(org.id), str(profile.id), login(admin), login(med)
    walks = []
    for n in range(2):
        filer = make_user(real_name="张三", phone=f"1360000{n:04d}")
        respondent = make_user(real_name="李四", phone=f"1350000{n:04d}")
        walks.append(lifecycle(client, org_id, profile_id, h_admin, h_mediator, filer, respondent, 9 + n))
    world = service_world()
    documents(client, world)
    return {**walks[-1], **documents(client, world)}


def test_lifecycle_calls_keep_their_budgets(counted, database_url):
    column = 1 if database_url.startswith("postgresql") else 0
    for name, count in counted.items():  # shown with -s: the table of docs/benchmarks.md
        print(f"== {name}: {count}")
    over = {
        name: f"{len(counted[name].statements)} > {budget[column]}\n{counted[name]}"
        for name, budget in BUDGETS.items()
        if len(counted[name].statements) > budget[column]
    }
    assert not over, "\n".join(f"{name}: {text}" for name, text in over.items())
    many = {name: count.commits for name, count in counted.items() if count.commits > WRITE_COMMITS}
    assert not many, many
