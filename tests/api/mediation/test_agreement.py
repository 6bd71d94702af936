"""The outcome and the mediation agreement: rendering, SHA-256, immutability once signed, signing in person."""

import hashlib
import threading
import time

import pytest
from sqlalchemy import select, text

from app.cases.models import CaseAgent
from app.errors import Conflict
from app.evidence.models import EvidenceItem
from app.extensions import db
from app.mediation.models import AgreementSignature, MediationAgreement
from app.utils import clock as clock_module
from tests.api.mediation.helpers_outcome import (
    MP,
    applicant_party,
    dispute,
    events,
    mediator,
    offer,
    respondent_party,
    status_of,
)
from tests.conftest import is_postgres
from tests.support.factories import grant, login, make_court, make_org, make_user

TERMS = "一、李四于2026年12月31日前向张三归还借款12000元；\n二、案件受理费由张三负担。"


@pytest.fixture
def mediation(app):
    """A case in mediation at an org and a court, both parties joined with verified names."""
    court, org = make_court(), make_org(name="北仑区人民调解委员会")
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=org, court=court, filer=filer, respondent=respondent)
    med, profile = mediator(org, name="王调解")
    offer(case, profile, status="accepted", case_status="in_mediation")
    return {"case": case, "filer": filer, "respondent": respondent, "mediator": med, "court": court, "org": org}


def _settle(client, m, terms=TERMS):
    response = client.post(
        f"{MP}/cases/{m['case'].id}/outcome", json={"result": "settled", "terms": terms}, headers=login(m["mediator"])
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_settling_renders_the_agreement_and_hashes_it(client, clock, mediation):
    body = _settle(client, mediation)
    assert body["status"] == "settled"
    agreement = body["agreement"]
    text = agreement["text"]
    for expected in (
        "人民调解协议书",
        "北仑区人民调解委员会",
        "宁波市北仑区人民法院",
        "申请人：张三",
        "被申请人：李四",
        TERMS,
        "调解员：王调解",
        "2026年11月2日",
        "民间借贷纠纷",
    ):
        assert expected in text
    assert agreement["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert agreement["effective_at"] is None and agreement["signatures"] == [] and agreement["parties_total"] == 2
    read = client.get(f"{MP}/cases/{mediation['case'].id}/agreement", headers=login(mediation["respondent"])).get_json()
    assert read["text"] == text and read["sha256"] == agreement["sha256"]
    assert read["my_unsigned_party_ids"] == [str(respondent_party(mediation["case"]).id)]
    assert [e.type for e in events(mediation["case"].id)][-2:] == ["mediation.settled", "agreement.drafted"]


def test_a_failed_mediation_needs_a_reason_and_has_no_agreement(client, mediation):
    case, med = mediation["case"], mediation["mediator"]
    missing = client.post(f"{MP}/cases/{case.id}/outcome", json={"result": "failed"}, headers=login(med))
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    no_terms = client.post(
        f"{MP}/cases/{case.id}/outcome", json={"result": "settled", "terms": "  "}, headers=login(med)
    )
    assert no_terms.status_code == 422 and "terms" in no_terms.get_json()["errors"]
    assert status_of(case.id) == "in_mediation"
    failed = client.post(
        f"{MP}/cases/{case.id}/outcome", json={"result": "failed", "reason": "分歧过大"}, headers=login(med)
    )
    assert failed.status_code == 200 and failed.get_json() == {
        "case_id": str(case.id),
        "status": "failed",
        "agreement": None,
    }
    assert events(case.id)[-1].reason == "分歧过大"
    assert client.get(f"{MP}/cases/{case.id}/agreement", headers=login(med)).status_code == 404


def test_only_the_mediator_records_the_outcome(client, mediation):
    case = mediation["case"]
    for user in (mediation["filer"], mediation["respondent"]):
        response = client.post(
            f"{MP}/cases/{case.id}/outcome", json={"result": "settled", "terms": TERMS}, headers=login(user)
        )
        assert response.status_code == 403
    stranger = client.post(
        f"{MP}/cases/{case.id}/outcome", json={"result": "settled", "terms": TERMS}, headers=login(make_user())
    )
    assert stranger.status_code == 404
    assert status_of(case.id) == "in_mediation"


def _sign(client, case, user, **body):
    return client.post(f"{MP}/cases/{case.id}/agreement/sign", json=body, headers=login(user))


@pytest.mark.parametrize("order", [("filer", "respondent"), ("respondent", "filer")])
def test_the_agreement_takes_effect_when_the_last_party_signs(client, clock, mediation, order):
    drafted = _settle(client, mediation)["agreement"]
    case = mediation["case"]
    first, second = (mediation[name] for name in order)
    clock.advance(hours=1)
    one = _sign(client, case, first)
    assert one.status_code == 200, one.get_json()
    assert one.get_json()["effective_at"] is None and len(one.get_json()["signatures"]) == 1
    assert _sign(client, case, first).get_json()["reason"] == "agreement.already_signed"
    clock.advance(hours=1)
    two = _sign(client, case, second).get_json()
    assert two["effective_at"] == clock().isoformat()
    assert {s["agreement_sha256"] for s in two["signatures"]} == {drafted["sha256"]}
    assert [s["party_name"] for s in two["signatures"]] == [
        "张三" if order[0] == "filer" else "李四",
        "李四" if order[0] == "filer" else "张三",
    ]
    assert [e.type for e in events(case.id)][-3:] == ["agreement.signed", "agreement.signed", "agreement.effective"]
    assert _sign(client, case, second).status_code == 409
    detail = client.get(f"{MP}/cases/{case.id}", headers=login(second)).get_json()
    assert detail["deadlines"][0]["type"] == "judicial_confirmation_application"


@pytest.mark.parametrize("written", ["李 四", " 李四 ", "李\u3000四"])
def test_the_party_whom_the_invitation_let_in_can_sign(client, mediation, written):
    """The filer wrote the respondent's name with a space (half- or full-width): the invitation matched the verified
    李四 to that party ignoring spaces and width, so signing must too, or the agreement could never take effect."""
    case = mediation["case"]
    respondent_party(case).name = written
    db.session.commit()
    _settle(client, mediation)
    signed = _sign(client, case, mediation["respondent"])
    assert signed.status_code == 200, signed.get_json()
    assert _sign(client, case, mediation["filer"]).get_json()["effective_at"] is not None


def test_signing_re_confirms_identity(client, mediation):
    _settle(client, mediation)
    case = mediation["case"]
    impostor = make_user(real_name="王五")  # verified, but not 李四
    respondent_party(case).user_id = impostor.id
    db.session.commit()
    assert _sign(client, case, impostor).get_json()["reason"] == "agreement.identity_mismatch"
    unverified = make_user()
    respondent_party(case).user_id = unverified.id
    db.session.commit()
    refused = _sign(client, case, unverified)
    assert (refused.status_code, refused.get_json()["reason"]) == (403, "agreement.identity_not_verified")
    assert db.session.scalars(select(AgreementSignature)).all() == []


def test_a_lawyer_or_the_mediator_cannot_sign_for_a_party(client, mediation):
    _settle(client, mediation)
    case = mediation["case"]
    lawyer = make_user(real_name="李四")  # even with the party's very name
    grant(lawyer, role="lawyer")
    db.session.add(
        CaseAgent(
            case_id=case.id,
            party_id=respondent_party(case).id,
            lawyer_user_id=lawyer.id,
            authority="general",
            status="active",
        )
    )
    db.session.commit()
    for user in (lawyer, mediation["mediator"]):
        response = _sign(client, case, user)
        assert (response.status_code, response.get_json()["reason"]) == (403, "agreement.not_a_party")
    assert _sign(client, case, make_user(real_name="李四")).status_code == 404


def test_the_text_is_frozen_once_anyone_signed(client, mediation):
    first = _settle(client, mediation)["agreement"]
    case, med = mediation["case"], mediation["mediator"]
    revised = client.patch(
        f"{MP}/cases/{case.id}/agreement", json={"terms": "李四于明年一月归还。"}, headers=login(med)
    )
    assert revised.status_code == 200
    body = revised.get_json()
    assert body["version"] == 2 and body["sha256"] != first["sha256"] and "李四于明年一月归还。" in body["text"]
    assert body["sha256"] == hashlib.sha256(body["text"].encode()).hexdigest()
    assert _sign(client, case, mediation["filer"]).get_json()["signatures"][0]["agreement_sha256"] == body["sha256"]
    again = client.patch(f"{MP}/cases/{case.id}/agreement", json={"terms": "改了"}, headers=login(med))
    assert (again.status_code, again.get_json()["reason"]) == (409, "agreement.signed")
    # not even a direct write gets past the model's guard
    row = db.session.scalar(select(MediationAgreement).filter_by(case_id=case.id))
    row.text = row.text + "（篡改）"
    with pytest.raises(Conflict):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(MediationAgreement)).sha256 == body["sha256"]
    party_revise = client.patch(
        f"{MP}/cases/{case.id}/agreement", json={"terms": "x" * 5}, headers=login(mediation["filer"])
    )
    assert party_revise.status_code == 403


def test_a_tampered_text_is_refused_at_signing(client, mediation):
    _settle(client, mediation)
    case = mediation["case"]
    row = db.session.scalar(select(MediationAgreement).filter_by(case_id=case.id))
    row.text = row.text.replace("12000", "1200")  # nobody signed yet, so the guard lets it through; the hash does not
    db.session.commit()
    response = _sign(client, case, mediation["filer"])
    assert (response.status_code, response.get_json()["reason"]) == (409, "agreement.integrity")


def test_a_signature_image_must_be_the_signers_stored_evidence(client, clock, mediation):
    _settle(client, mediation)
    case = mediation["case"]
    unknown = _sign(client, case, mediation["filer"], signature_evidence_id="00000000-0000-7000-8000-000000000000")
    assert unknown.status_code == 422 and "signature_evidence_id" in unknown.get_json()["errors"]
    image = EvidenceItem(
        case_id=case.id,
        party_id=applicant_party(case).id,
        uploaded_by_user_id=mediation["filer"].id,
        status="stored",
        catalogue_order=1,
        title="签名",
        category="other",
        purpose="签名",
        filename="sign.png",
        declared_type="image/png",
        declared_size=10,
        declared_sha256="0" * 64,
        upload_key=f"k/{case.id}",
        upload_expires_at=clock_module.now(),
        object_key=f"o/{case.id}",
    )
    db.session.add(image)
    db.session.commit()
    theirs = _sign(client, case, mediation["respondent"], signature_evidence_id=str(image.id))
    assert theirs.status_code == 422
    mine = _sign(client, case, mediation["filer"], signature_evidence_id=str(image.id))
    assert mine.status_code == 200 and mine.get_json()["signatures"][0]["signature_evidence_id"] == str(image.id)


def test_nothing_to_sign_before_the_outcome(client, mediation):
    response = _sign(client, mediation["case"], mediation["filer"])
    assert response.status_code == 404 and response.get_json()["reason"] == "agreement.not_found"


def test_two_parties_signing_at_once_make_it_effective_exactly_once(app, client, mediation, database_url):
    """Both signatures are held at the agreement row until both requests are inside `sign`, then released."""
    if not is_postgres(database_url):
        pytest.skip("SQLite cannot run two writing transactions at once; the row-lock race needs PostgreSQL")
    _settle(client, mediation)
    case_id = mediation["case"].id
    logins = [login(mediation[name]) for name in ("filer", "respondent")]
    codes = []

    def sign(headers):
        codes.append(
            app.test_client().post(f"{MP}/cases/{case_id}/agreement/sign", json={}, headers=headers).status_code
        )

    with db.engine.connect() as blocker:
        blocker.execute(text("SELECT id FROM mediation_agreements WHERE case_id = :c FOR UPDATE"), {"c": case_id})
        threads = [threading.Thread(target=sign, args=(headers,)) for headers in logins]
        for thread in threads:
            thread.start()
        _wait_for_lock_waiters(blocker, 2)
        blocker.rollback()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [200, 200]
    assert [e.type for e in events(case_id)].count("agreement.effective") == 1
    assert len(db.session.scalars(select(AgreementSignature)).all()) == 2
    assert db.session.scalar(select(MediationAgreement)).effective_at is not None


def _wait_for_lock_waiters(connection, expected: int) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))  # the view is a per-transaction snapshot
        if connection.execute(query).scalar() >= expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {expected} requests reached the lock")
