"""The catalogue (证据目录): drafts stay private, submission shares, deletion only before, every read is custody."""

from __future__ import annotations

import datetime as dt
import urllib.parse

from sqlalchemy import select

from app.audit import log as audit
from app.audit.models import AuditEvent
from app.cases.models import TimelineEvent
from app.extensions import db
from tests.integration.evidence import samples
from tests.integration.evidence.conftest import ERROR_SHAPE, fetch, row, upload

READERS = ("respondent", "lawyer", "mediator", "clerk")  # the other party, their lawyer, the mediator, the court


def catalogue(env, dispute, who, **query):
    return env.api("GET", f"/cases/{dispute.case.id}/evidence", dispute.headers[who], params=query)


def ids(response):
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def stored_item(env, dispute, who="applicant", content=None, **declared):
    item = upload(env, dispute.headers[who], dispute.case.id, content or samples.pdf(), **declared)
    assert item["status"] == "stored"
    return item


def test_drafts_are_private_until_submitted(local_env, dispute):
    env = local_env
    item = stored_item(env, dispute)
    assert ids(catalogue(env, dispute, "applicant")) == [item["id"]]
    for who in READERS:
        assert ids(catalogue(env, dispute, who)) == [], who
        detail = env.api("GET", f"/evidence/{item['id']}", dispute.headers[who])
        assert (detail.status_code, detail.json()["reason"]) == (404, "evidence.not_found"), who

    submitted = env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["applicant"])
    assert submitted.status_code == 200 and submitted.json()["submitted"] is True

    for who in READERS:
        assert ids(catalogue(env, dispute, who)) == [item["id"]], who
        assert env.api("GET", f"/evidence/{item['id']}", dispute.headers[who]).status_code == 200
    for who in ("outsider", "other_clerk"):
        assert catalogue(env, dispute, who).status_code == 404
        assert env.api("GET", f"/evidence/{item['id']}", dispute.headers[who]).status_code == 404
    refused = catalogue(env, dispute, "org_admin")  # reads the case, but evidence is not for the organisation
    assert (refused.status_code, refused.json()["reason"]) == (403, "evidence.forbidden")
    assert env.api("GET", f"/evidence/{item['id']}", dispute.headers["org_admin"]).status_code == 404


def test_each_side_sees_its_own_drafts_and_the_others_submissions(local_env, dispute):
    env = local_env
    mine = stored_item(env, dispute)
    theirs = stored_item(
        env, dispute, who="lawyer", filename="收条.jpg", content_type="image/jpeg", content=samples.jpeg()
    )
    draft = stored_item(
        env, dispute, who="respondent", filename="转账记录.png", content_type="image/png", content=samples.png()
    )
    env.api("POST", f"/evidence/{theirs['id']}/submit", dispute.headers["respondent"])  # the party submits the lawyer's
    assert theirs["party_id"] == draft["party_id"] == str(dispute.respondent_party)

    assert ids(catalogue(env, dispute, "applicant")) == [mine["id"], theirs["id"]]
    assert ids(catalogue(env, dispute, "respondent")) == [theirs["id"], draft["id"]]
    assert ids(catalogue(env, dispute, "lawyer")) == [theirs["id"], draft["id"]]
    assert ids(catalogue(env, dispute, "mediator")) == [theirs["id"]]
    assert [i["catalogue_order"] for i in catalogue(env, dispute, "respondent").json()["items"]] == [1, 2]
    counts = env.api("GET", f"/cases/{dispute.case.id}", dispute.headers["applicant"]).json()["counts"]
    assert counts["evidence"] == 2


def test_the_catalogue_pages_with_a_cursor(local_env, dispute):
    env = local_env
    made = [stored_item(env, dispute, title=f"证据{n}")["id"] for n in range(3)]
    first = catalogue(env, dispute, "applicant", limit=2).json()
    assert [i["id"] for i in first["items"]] == made[:2] and first["next_cursor"]
    rest = catalogue(env, dispute, "applicant", limit=2, cursor=first["next_cursor"]).json()
    assert [i["id"] for i in rest["items"]] == made[2:] and rest["next_cursor"] is None
    bad = catalogue(env, dispute, "applicant", cursor="not-a-cursor")
    assert bad.status_code == 422 and "cursor" in bad.json()["errors"]


def _request_never_uploaded(env, dispute) -> str:
    """An upload the applicant requests and never sends: the item stays pending."""
    body = {
        "filename": "a.pdf",
        "content_type": "application/pdf",
        "size": 10,
        "sha256": "0" * 64,
        "title": "未上传",
        "category": "书证",
        "purpose": "证明",
    }
    answer = env.api("POST", f"/cases/{dispute.case.id}/evidence/uploads", dispute.headers["applicant"], json=body)
    return answer.json()["evidence_id"]


def test_only_stored_items_can_be_submitted_and_submission_is_on_the_timeline(local_env, dispute):
    env = local_env
    pending = _request_never_uploaded(env, dispute)
    refused = env.api("POST", f"/evidence/{pending}/submit", dispute.headers["applicant"])
    assert (refused.status_code, refused.json()["reason"]) == (409, "evidence.not_stored")

    item = stored_item(env, dispute)
    for _ in range(2):  # submitting twice is harmless
        assert env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["applicant"]).status_code == 200
    other_side = env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["respondent"])
    assert (other_side.status_code, other_side.json()["reason"]) == (403, "evidence.not_owner")
    events = env.api("GET", f"/cases/{dispute.case.id}/timeline", dispute.headers["respondent"]).json()
    evidence_events = [e for e in events if e["type"].startswith("evidence.")]
    assert [e["type"] for e in evidence_events] == ["evidence.submitted"]  # drafts and uploads leave no trace
    assert "借条" in evidence_events[0]["summary"]


def test_drafts_can_be_deleted_submitted_items_cannot(local_env, dispute):
    env = local_env
    draft = stored_item(env, dispute)
    key = row(draft["id"]).object_key
    other = env.api("DELETE", f"/evidence/{draft['id']}", dispute.headers["respondent"])
    assert other.status_code == 404  # they cannot even see it
    deleted = env.api("DELETE", f"/evidence/{draft['id']}", dispute.headers["applicant"])
    assert deleted.status_code == 204 and deleted.content == b""
    assert env.store.head(key) is None and row(draft["id"]).status == "deleted"
    gone = env.api("GET", f"/evidence/{draft['id']}", dispute.headers["applicant"])
    assert gone.status_code == 404 and set(gone.json()) == ERROR_SHAPE
    assert ids(catalogue(env, dispute, "applicant")) == []

    shared = stored_item(env, dispute)
    env.api("POST", f"/evidence/{shared['id']}/submit", dispute.headers["applicant"])
    refused = env.api("DELETE", f"/evidence/{shared['id']}", dispute.headers["applicant"])
    assert (refused.status_code, refused.json()["reason"]) == (409, "evidence.already_submitted")
    assert env.store.head(row(shared["id"]).object_key) is not None


def test_every_view_and_download_is_a_custody_event_with_the_hash(clock, local_env, dispute):
    env = local_env
    item = stored_item(env, dispute)
    env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["applicant"])
    for who in ("respondent", "clerk", "respondent"):
        detail = env.api("GET", f"/evidence/{item['id']}", dispute.headers[who]).json()
        assert detail["download_url"] and fetch(detail["download_url"]).content == samples.pdf()
        expires = dt.datetime.fromisoformat(detail["download_expires_at"])
        assert dt.timedelta(0) < expires - clock() <= dt.timedelta(minutes=5)
    events = list(reversed(detail["custody_events"]))  # oldest first; this very read is already in it
    assert detail["custody_event_count"] == len(events) == 6
    assert [(e["action"], e["actor_role"]) for e in events] == [
        ("requested", "party"),
        ("stored", "system"),  # decided by the verification job, not by the caller of `complete`
        ("submitted", "party"),
        ("download", "party"),
        ("download", "court_staff"),
        ("download", "party"),
    ]
    respondent, clerk = str(dispute.respondent.id), str(dispute.users["clerk"].id)
    assert [e["actor_user_id"] for e in events[3:]] == [respondent, clerk, respondent]
    assert {e["sha256"] for e in events[1:]} == {samples.sha256(samples.pdf())}
    assert events[0]["sha256"] is None  # nothing was verified yet when the upload was requested

    db.session.rollback()  # every custody event is also in the hash-chained audit log, which still verifies
    audited = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "evidence", AuditEvent.object_id == item["id"])
        .order_by(AuditEvent.seq)
    ).all()
    assert [a.action for a in audited] == [f"evidence.{e['action']}" for e in events]
    assert audited[4].actor_id == str(dispute.users["clerk"].id) and audited[4].details["as"] == "court_staff"
    assert audit.verify().ok


def test_a_pending_item_is_viewed_without_a_link(local_env, dispute):
    env = local_env
    pending = _request_never_uploaded(env, dispute)
    detail = env.api("GET", f"/evidence/{pending}", dispute.headers["applicant"]).json()
    assert detail["status"] == "pending" and detail["download_url"] is None and detail["mine"] is True
    assert detail["custody_events"][0]["action"] == "view" and detail["custody_events"][0]["sha256"] is None


def test_the_download_name_keeps_chinese_and_gains_the_real_extension(local_env, dispute):
    env = local_env
    item = stored_item(env, dispute, filename="借款合同（第一页）")
    detail = env.api("GET", f"/evidence/{item['id']}", dispute.headers["applicant"]).json()
    header = fetch(detail["download_url"]).headers["Content-Disposition"]
    assert "filename*=UTF-8''" + urllib.parse.quote("借款合同（第一页）.pdf", safe="") in header


def test_cross_examination_by_the_other_side(local_env, dispute):
    env = local_env
    item = stored_item(env, dispute)
    url = f"/evidence/{item['id']}/opinions"
    body = {"authenticity": "admitted", "legality": "admitted", "relevance": "disputed", "comment": "与本案借款无关"}
    assert env.api("POST", url, dispute.headers["respondent"], json=body).status_code == 404  # a draft: unseen
    env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["applicant"])

    for who, reason in (
        ("applicant", "evidence.not_other_party"),
        ("mediator", "evidence.not_other_party"),
        ("clerk", "evidence.not_other_party"),
    ):
        refused = env.api("POST", url, dispute.headers[who], json=body)
        assert (refused.status_code, refused.json()["reason"]) == (403, reason), who
    no_reason = env.api("POST", url, dispute.headers["respondent"], json={**body, "comment": ""})
    assert no_reason.status_code == 422 and "comment" in no_reason.json()["errors"]
    bad_value = env.api("POST", url, dispute.headers["respondent"], json={**body, "legality": "maybe"})
    assert bad_value.status_code == 422 and "legality" in bad_value.json()["errors"]

    given = env.api("POST", url, dispute.headers["lawyer"], json=body)
    assert given.status_code == 201, given.text
    assert given.json()["party_id"] == str(dispute.respondent_party) and given.json()["relevance"] == "disputed"
    again = env.api("POST", url, dispute.headers["respondent"], json=body)  # the same party, through its user
    assert (again.status_code, again.json()["reason"]) == (409, "evidence.opinion_exists")

    for who in ("applicant", "respondent", "lawyer", "mediator", "clerk"):
        opinions = env.api("GET", f"/evidence/{item['id']}", dispute.headers[who]).json()["opinions"]
        assert [(o["relevance"], o["comment"]) for o in opinions] == [("disputed", "与本案借款无关")], who
    events = env.api("GET", f"/cases/{dispute.case.id}/timeline", dispute.headers["mediator"]).json()
    opinion_events = [e for e in events if e["type"] == "evidence.opinion"]
    assert len(opinion_events) == 1 and opinion_events[0]["actor_role"] == "lawyer"
    assert "关联性不认可" in opinion_events[0]["summary"]  # Chinese by default


def test_a_closed_case_takes_no_new_evidence(local_env, dispute):
    env = local_env
    item = stored_item(env, dispute)
    withdrawn = env.api(
        "POST", f"/cases/{dispute.case.id}/withdraw", dispute.headers["applicant"], json={"reason": "已和解"}
    )
    assert withdrawn.status_code == 200
    refused = env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["applicant"])
    assert (refused.status_code, refused.json()["reason"]) == (409, "evidence.case_closed")
    body = {
        "filename": "a.pdf",
        "content_type": "application/pdf",
        "size": 10,
        "sha256": "0" * 64,
        "title": "x",
        "category": "书证",
        "purpose": "y",
    }
    late = env.api("POST", f"/cases/{dispute.case.id}/evidence/uploads", dispute.headers["applicant"], json=body)
    assert (late.status_code, late.json()["reason"]) == (409, "evidence.case_closed")
    assert env.api("GET", f"/evidence/{item['id']}", dispute.headers["applicant"]).status_code == 200


def test_timeline_events_carry_no_file_names(local_env, dispute):
    env = local_env
    item = stored_item(
        env, dispute, filename="私密-身份证复印件.jpg", content_type="image/jpeg", content=samples.jpeg()
    )
    env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["applicant"])
    db.session.rollback()
    rows = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == dispute.case.id)).all()
    assert rows and not any("身份证" in (e.summary + str(e.data)) for e in rows)
