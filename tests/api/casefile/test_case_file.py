"""The case file in hand (卷宗) over HTTP: exactly what the requester may see, hashes that match, a link that expires.

A case at a court with evidence from both sides (each side has a submitted item and a draft), a judgment served
on the respondent; the respondent, the filer, the court and an outsider each ask for the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import select

from app.casefile import ArchiveBuild
from app.cases.models import CaseAgent
from app.extensions import db
from tests.api.casefile.support import API, download, open_zip, upload
from tests.api.service.support import add_lawyer, push, service_world
from tests.support.factories import login, make_user

COURT = "/api/court/v1"


def _world(client):
    world = service_world()
    filer_headers = login(world.people["filer"])
    case_id = world.case.id
    items = {
        "filer_shared": upload(client, filer_headers, case_id, title="借条原件", submit=True),
        "filer_draft": upload(client, filer_headers, case_id, title="原告未提交的录音", submit=False),
        "resp_shared": upload(client, world.respondent_headers, case_id, title="还款转账记录", submit=True),
        "resp_draft": upload(client, world.respondent_headers, case_id, title="被告草稿说明", submit=False),
    }
    document_id = push(client, world, doc_type="judgment", title="民间借贷纠纷民事判决书").get_json()["document_id"]
    return world, filer_headers, items, document_id


def _build(client, headers, case_id, *, prefix=API):
    response = client.post(f"{prefix}/cases/{case_id}/case-file", headers=headers)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    status = client.get(f"{prefix}/case-files/{body['build_id']}", headers=headers)
    assert status.status_code == 200, status.get_json()
    return body, status.get_json()


def _archive(client, status):
    assert status["status"] == "ready", status
    fetched = download(client, status["download_url"])
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.data).hexdigest() == status["sha256"] and len(fetched.data) == status["size"]
    return open_zip(fetched.data)


def test_a_party_gets_their_own_evidence_and_the_other_sides_submitted_evidence_only(client, clock):
    world, _filer_headers, items, _document_id = _world(client)
    _queued, status = _build(client, world.respondent_headers, world.case.id)
    archive, index = _archive(client, status)
    titles = {entry["title"]: entry for entry in index["items"]}
    assert {t for t, e in titles.items() if e["kind"] == "evidence"} == {"借条原件", "还款转账记录", "被告草稿说明"}
    assert "原告未提交的录音" not in titles
    assert not any("录音" in name for name in archive.namelist())
    assert titles["被告草稿说明"]["origin"] == "被申请人提交（本方）"
    assert titles["借条原件"]["origin"] == "申请人提交"
    assert titles["民间借贷纠纷民事判决书"]["kind"] == "document"
    assert any(e["kind"] == "certificate" for e in index["items"])
    assert any(e["kind"] == "timeline" for e in index["items"])
    # every hash and size in the index is that of the file in the archive, and the evidence is the bytes uploaded
    for entry in index["items"]:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
        assert entry.get("matches_record", True) is True
    for key in ("filer_shared", "resp_shared", "resp_draft"):
        path = titles[items[key]["title"]]["path"]
        assert archive.read(path) == items[key]["content"]
    assert status["item_count"] == len(index["items"])
    page = archive.read("目录.html").decode()
    assert "借条原件" in page and titles["借条原件"]["sha256"] in page and "SHA-256" in page
    assert index["case_id"] == str(world.case.id) and index["scope"] == "party"


def test_the_request_is_idempotent_and_rebuilds_only_when_the_case_changed(client, clock):
    world, filer_headers, items, _document_id = _world(client)
    first, ready = _build(client, filer_headers, world.case.id)
    again, ready_again = _build(client, filer_headers, world.case.id)
    assert again["build_id"] == first["build_id"] and ready_again["sha256"] == ready["sha256"]
    row = db.session.get(ArchiveBuild, uuid.UUID(ready["build_id"]))
    assert row.generation == 1
    _archive_before, index_before = _archive(client, ready)
    assert "被告草稿说明" not in {e["title"] for e in index_before["items"]}
    # the respondent submits their draft: the filer's next request builds a new archive holding it
    shared = client.post(f"{API}/evidence/{items['resp_draft']['id']}/submit", headers=world.respondent_headers)
    assert shared.status_code == 200, shared.get_json()
    clock.advance(seconds=1)
    rebuilt, ready_rebuilt = _build(client, filer_headers, world.case.id)
    assert rebuilt["build_id"] == first["build_id"] and ready_rebuilt["sha256"] != ready["sha256"]
    db.session.expire_all()
    assert db.session.get(ArchiveBuild, uuid.UUID(ready["build_id"])).generation == 2
    _archive_after, index_after = _archive(client, ready_rebuilt)
    assert "被告草稿说明" in {e["title"] for e in index_after["items"]}


def test_the_download_link_expires(client, clock, app):
    world, _filer_headers, _items, _document_id = _world(client)
    app.config["ARCHIVE_LINK_EXPIRES_SECONDS"] = 120
    _queued, status = _build(client, world.respondent_headers, world.case.id)
    expires = dt.datetime.fromisoformat(status["download_expires_at"])
    assert dt.timedelta(seconds=119) <= expires - clock() <= dt.timedelta(seconds=121)
    assert download(client, status["download_url"]).status_code == 200
    clock.advance(seconds=121)
    refused = download(client, status["download_url"])
    assert refused.status_code == 403
    # asking again gives a fresh link to the same archive
    fresh = client.get(f"{API}/case-files/{status['build_id']}", headers=login(world.respondent_user)).get_json()
    assert download(client, fresh["download_url"]).status_code == 200 and fresh["sha256"] == status["sha256"]


def test_the_court_builds_the_full_file_without_anyones_drafts(client, clock):
    world, _filer_headers, _items, _document_id = _world(client)
    _queued, status = _build(client, world.clerk_headers, world.case.id, prefix=COURT)
    assert status["scope"] == "full"
    _zip, index = _archive(client, status)
    evidence = {e["title"] for e in index["items"] if e["kind"] == "evidence"}
    assert evidence == {"借条原件", "还款转账记录"}
    assert index["scope"] == "full"


def test_outsiders_and_other_requesters_see_nothing(client, clock):
    world, filer_headers, _items, _document_id = _world(client)
    outsider = login(make_user())
    assert client.post(f"{API}/cases/{world.case.id}/case-file", headers=outsider).status_code == 404
    # court staff are not parties: the mini-program route is not theirs
    assert client.post(f"{API}/cases/{world.case.id}/case-file", headers=world.clerk_headers).status_code == 404
    body, _status = _build(client, filer_headers, world.case.id)
    for headers in (outsider, world.respondent_headers):
        other = client.get(f"{API}/case-files/{body['build_id']}", headers=headers)
        assert other.status_code == 404 and other.get_json()["reason"] == "archive.not_found"


def test_a_lawyer_gets_their_partys_view_and_loses_it_with_the_mandate(client, clock):
    world, _filer_headers, _items, _document_id = _world(client)
    lawyer, lawyer_headers = add_lawyer(world)
    body, status = _build(client, lawyer_headers, world.case.id)
    _zip, index = _archive(client, status)
    evidence = {e["title"] for e in index["items"] if e["kind"] == "evidence"}
    assert evidence == {"借条原件", "还款转账记录", "被告草稿说明"}
    assert "民间借贷纠纷民事判决书" in {e["title"] for e in index["items"]}
    agent = db.session.scalar(select(CaseAgent).where(CaseAgent.lawyer_user_id == lawyer.id))
    agent.status = "revoked"
    db.session.commit()
    gone = client.get(f"{API}/case-files/{body['build_id']}", headers=lawyer_headers)
    assert gone.status_code == 404 and gone.get_json()["reason"] == "archive.not_found"
