"""A failed mediation taken to court over HTTP: its submitted evidence is in the filing's catalogue, same bytes.

Each store in turn (local over HTTP; Ceph RGW or moto), and a store outage during the transfer.
"""

from __future__ import annotations

import pytest

from app.cases.models import Case
from app.extensions import db
from tests.integration.evidence import samples
from tests.integration.evidence.conftest import fetch, upload
from tests.integration.evidence.test_outage import assert_unavailable

pytestmark = pytest.mark.timeout(120)


def _failed_with_evidence(env, dispute) -> dict[str, bytes]:
    """The applicant submits a PDF and keeps a draft; the respondent's lawyer submits a PNG; mediation fails."""
    iou, draft, photo = samples.pdf(pages=2), samples.pdf(pages=1), samples.png()
    submitted = {}
    for who, content, extra in (
        ("applicant", iou, {}),
        ("applicant", draft, {"title": "草稿"}),
        ("lawyer", photo, {"filename": "转账截图.png", "content_type": "image/png", "title": "转账截图"}),
    ):
        item = upload(env, dispute.headers[who], dispute.case.id, content, **extra)
        if extra.get("title") != "草稿":
            answer = env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers[who])
            assert answer.status_code == 200, answer.text
            submitted[item["title"]] = content
    db.session.rollback()
    db.session.get(Case, dispute.case.id).status = "failed"
    db.session.commit()
    return submitted


def _transfer(env, dispute):
    body = {"court_id": str(dispute.case.court_id)}
    return env.api("POST", f"/cases/{dispute.case.id}/transfer-to-litigation", dispute.headers["applicant"], json=body)


def test_the_filing_catalogue_shows_the_submitted_items_with_equal_hashes_and_their_bytes(env, dispute):
    submitted = _failed_with_evidence(env, dispute)

    filing = _transfer(env, dispute)

    assert filing.status_code == 201, filing.text
    new_case = filing.json()["id"]
    assert filing.json()["counts"]["evidence"] == 2
    for who in ("applicant", "clerk"):  # the plaintiff, and the court the filing went to
        catalogue = env.api("GET", f"/cases/{new_case}/evidence", dispute.headers[who])
        assert catalogue.status_code == 200, catalogue.text
        items = {item["title"]: item for item in catalogue.json()["items"]}
        assert sorted(items) == sorted(submitted) == ["借条", "转账截图"]  # the draft stayed behind
        for title, content in submitted.items():
            item = items[title]
            assert item["case_id"] == new_case and item["status"] == "stored" and item["submitted"]
            assert item["sha256"] == samples.sha256(content) and item["size"] == len(content)
            detail = env.api("GET", f"/evidence/{item['id']}", dispute.headers[who]).json()
            assert fetch(detail["download_url"]).content == content
            assert detail["custody_events"][-1]["action"] == "carried_over"
    timeline = env.api("GET", f"/cases/{new_case}/timeline", dispute.headers["applicant"]).json()
    assert [e["summary"] for e in timeline][-1] == "2份证据自调解案件转入"  # Chinese by default
    assert len(env.keys(dispute.case.id)) == 3 and len(env.keys(new_case)) == 2


def test_a_store_outage_fails_the_transfer_with_503_and_leaves_no_filing(outage, dispute):
    env, switch = outage
    submitted = _failed_with_evidence(env, dispute)

    switch.down()
    assert_unavailable(_transfer(env, dispute))
    switch.up()

    db.session.rollback()
    assert db.session.query(Case).filter_by(origin_case_id=dispute.case.id).count() == 0
    assert [info.key.split("/")[1] for info in env.store.list("cases/")] == [str(dispute.case.id)] * 3
    filing = _transfer(env, dispute)  # recovery on its own: the same request now works
    assert filing.status_code == 201, filing.text
    catalogue = env.api("GET", f"/cases/{filing.json()['id']}/evidence", dispute.headers["applicant"]).json()
    assert sorted(item["title"] for item in catalogue["items"]) == sorted(submitted)
