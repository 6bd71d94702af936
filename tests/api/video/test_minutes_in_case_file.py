"""The frozen minutes (笔录) are part of the case file (卷宗): a party's ZIP holds the PDF under 笔录/ with its
SHA-256 in index.json; minutes still being signed are not there; a stranger gets no case file at all; the court's
full file holds a hearing's minutes (庭审笔录)."""

from __future__ import annotations

import datetime as dt
import hashlib

from app.casefile import ArchiveBuild
from app.extensions import db, storage
from app.utils import clock
from app.video.models import SessionMinutes
from tests.api.casefile.support import API, download, open_zip
from tests.api.video.helpers import COURT, online_session
from tests.support.factories import login, make_user
from tests.support.hearings import book, trial
from tests.support.scheduling import MP


def _case_file(client, headers, case_id, *, prefix=API):
    queued = client.post(f"{prefix}/cases/{case_id}/case-file", headers=headers)
    assert queued.status_code == 202, queued.get_json()
    status = client.get(f"{prefix}/case-files/{queued.get_json()['build_id']}", headers=headers).get_json()
    assert status["status"] == "ready", status
    fetched = download(client, status["download_url"])
    assert fetched.status_code == 200
    return open_zip(fetched.data)


def test_frozen_minutes_are_in_the_parties_case_file_with_their_hash(client, fake_trtc):
    online = online_session(client)
    url = f"{MP}/sessions/{online.session_id}/minutes"
    text = "调解员：双方确认借款本金十万元。\n张三：同意。\n李四：同意。"
    assert client.put(url, json={"text": text}, headers=login(online.mediator)).status_code == 200
    assert client.post(f"{url}/signing", headers=login(online.mediator)).status_code == 200

    # while the minutes are being signed they are not part of the file
    _archive, index = _case_file(client, login(online.applicant), online.case.id)
    assert not [e for e in index["items"] if e["kind"] == "minutes"]

    digest = hashlib.sha256(text.encode()).hexdigest()
    for who in (online.applicant, online.respondent, online.mediator):
        answer = client.post(f"{url}/sign", json={"sha256": digest}, headers=login(who))
        assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "frozen"
    row = db.session.query(SessionMinutes).one()
    pdf = b"".join(storage.iter_chunks(row.pdf_key))

    for who in (online.respondent, online.applicant):
        archive, index = _case_file(client, login(who), online.case.id)
        minutes = [e for e in index["items"] if e["kind"] == "minutes"]
        assert len(minutes) == 1, index["items"]
        entry = minutes[0]
        assert entry["path"].startswith("笔录/") and entry["path"].endswith(".pdf")
        assert entry["title"].startswith("调解笔录 20")
        assert entry["sha256"] == row.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        assert entry["size"] == len(pdf) and entry["matches_record"] is True
        assert archive.read(entry["path"]) == pdf
        assert row.pdf_sha256 in archive.read("目录.html").decode()

    # the manifest fixed at request time lists the minutes as materials of origin "minutes"
    build = db.session.query(ArchiveBuild).filter_by(requested_by_user_id=online.applicant.id).one()
    listed = build.manifest["minutes"]
    assert [(m["origin"], m["sha256"], m["size"]) for m in listed] == [("minutes", row.pdf_sha256, len(pdf))]
    assert listed[0]["frozen_at"]

    stranger = login(make_user(real_name="王五"))
    refused = client.post(f"{API}/cases/{online.case.id}/case-file", headers=stranger)
    assert refused.status_code == 404


def test_a_hearings_frozen_minutes_are_in_the_courts_full_file(client, fake_trtc):
    t = trial()
    start = clock.now() + dt.timedelta(minutes=10)
    end = (start + dt.timedelta(hours=2)).isoformat()
    booked = book(client, t, start.isoformat(), end, mode="video", courtroom_id=None, meeting_url="https://c.cn/o/9")
    assert booked.status_code == 201, booked.get_json()
    url = f"{COURT}/sessions/{booked.get_json()['id']}/minutes"
    assert client.put(url, json={"text": "审判员：现在开庭。"}, headers=login(t.clerk)).status_code == 200
    opened = client.post(f"{url}/signing", headers=login(t.clerk)).get_json()
    for who in (t.judge, t.clerk, t.plaintiff, t.defendant):
        signed = client.post(
            f"{MP}/sessions/{booked.get_json()['id']}/minutes/sign",
            json={"sha256": opened["sha256"]},
            headers=login(who),
        )
        assert signed.status_code == 200, signed.get_json()
    row = db.session.query(SessionMinutes).one()
    archive, index = _case_file(client, login(t.clerk), t.case.id, prefix=COURT)
    assert index["scope"] == "full"
    [entry] = [e for e in index["items"] if e["kind"] == "minutes"]
    assert entry["title"].startswith("庭审笔录 ") and entry["path"].startswith("笔录/")
    assert entry["sha256"] == row.pdf_sha256 == hashlib.sha256(archive.read(entry["path"])).hexdigest()
