"""Minutes (笔录): versions, signing as hashed, refusals with reasons, the agreement's identity rule, freezing."""

from __future__ import annotations

import hashlib

from app.cases import CaseParty
from app.extensions import db, storage
from app.video.models import SessionMinutes, SessionMinutesVersion
from tests.api.video.helpers import online_session, party_of
from tests.support import pdf_reader
from tests.support.factories import login
from tests.support.scheduling import MP, add_lawyer, lawyer


def _open(client, online, text: str = "调解员：开始。\n张三：同意。") -> str:
    url = f"{MP}/sessions/{online.session_id}/minutes"
    assert client.put(url, json={"text": text}, headers=login(online.mediator)).status_code == 200
    opened = client.post(f"{url}/signing", headers=login(online.mediator))
    assert opened.status_code == 200, opened.get_json()
    return url


def test_a_refusal_is_recorded_and_the_minutes_still_freeze(client, fake_trtc):
    online = online_session(client)
    url = _open(client, online)
    digest = client.get(url, headers=login(online.applicant)).get_json()["sha256"]
    no_reason = client.post(f"{url}/refuse", json={"sha256": digest, "reason": " "}, headers=login(online.respondent))
    assert no_reason.status_code == 422
    refused = client.post(
        f"{url}/refuse", json={"sha256": digest, "reason": "第二段与我的陈述不符"}, headers=login(online.respondent)
    )
    assert refused.status_code == 200 and refused.get_json()["my_decision"] == "refused"
    for who in (online.applicant, online.mediator):
        last = client.post(f"{url}/sign", json={"sha256": digest}, headers=login(who))
        assert last.status_code == 200, last.get_json()
    frozen = last.get_json()
    assert frozen["status"] == "frozen"
    assert [s["reason"] for s in frozen["signatures"] if s["decision"] == "refused"] == ["第二段与我的陈述不符"]
    again = client.put(url, json={"text": "改"}, headers=login(online.mediator))
    assert again.status_code == 409 and again.get_json()["reason"] == "video.minutes_locked"
    # the frozen PDF carries the Chinese text as text (searchable, copyable), the refusal and the text's SHA-256
    row = db.session.query(SessionMinutes).one()
    data = b"".join(storage.iter_chunks(row.pdf_key))
    assert hashlib.sha256(data).hexdigest() == frozen["pdf_sha256"]
    text = pdf_reader.text(data)
    for expected in ("调解笔录", "调解员：开始。", "张三：同意。", "拒绝签名", "第二段与我的陈述不符", digest):
        assert expected in text, expected
    assert all(font.embedded_file == "FontFile2" for font in pdf_reader.fonts(data))


def test_versions_are_kept_and_signing_needs_the_text_as_read(client, fake_trtc):
    online = online_session(client)
    url = f"{MP}/sessions/{online.session_id}/minutes"
    assert client.get(url, headers=login(online.applicant)).status_code == 404
    for text in ("第一稿", "第二稿", "第三稿"):
        client.put(url, json={"text": text}, headers=login(online.mediator))
    versions = db.session.query(SessionMinutesVersion).order_by(SessionMinutesVersion.version).all()
    assert [v.text for v in versions] == ["第一稿", "第二稿", "第三稿"]
    early = client.post(f"{url}/sign", json={"sha256": "0" * 64}, headers=login(online.applicant))
    assert early.status_code == 409 and early.get_json()["reason"] == "video.minutes_not_signable"
    client.post(f"{url}/signing", headers=login(online.mediator))
    stale = hashlib.sha256("第二稿".encode()).hexdigest()
    changed = client.post(f"{url}/sign", json={"sha256": stale}, headers=login(online.applicant))
    assert changed.status_code == 409 and changed.get_json()["reason"] == "video.minutes_changed"


def test_the_agreement_identity_rule_applies_and_lawyers_do_not_sign(client, fake_trtc):
    online = online_session(client)
    counsel = lawyer()
    add_lawyer(online.case, counsel)
    url = _open(client, online)
    digest = client.get(url, headers=login(counsel)).get_json()["sha256"]
    by_lawyer = client.post(f"{url}/sign", json={"sha256": digest}, headers=login(counsel))
    assert by_lawyer.status_code == 403 and by_lawyer.get_json()["reason"] == "video.not_a_signer"
    party = db.session.get(CaseParty, party_of(online.case, online.respondent).id)
    party.name = "李四某"  # the party's name no longer matches the verified name
    db.session.commit()
    mismatch = client.post(f"{url}/sign", json={"sha256": digest}, headers=login(online.respondent))
    assert mismatch.status_code == 403 and mismatch.get_json()["reason"] == "video.identity_mismatch"
    assert mismatch.get_json()["message"] == "您的实名认证姓名与当事人姓名不符。"  # the catalogue knows the text
