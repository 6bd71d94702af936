"""The demo data of `make run`: every journey can be walked at once, and seeding twice changes nothing.

A new user logs in by SMS reading the code from the dev outbox's `code` field, files a 民间借贷纠纷 dispute with
the demo court and is recommended the demo mediator, with no admin call in between.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.identity import Court, MediationOrganization, MediationOrgCourt, User
from app.identity import demo as identity_demo
from app.identity.client_models import MachineClient
from app.mediation import MediatorProfile
from app.scheduling.models import WorkingHours
from app.sms import dev_outbox
from tests.support.cases import filing

MP = "/api/mp/v1"
TABLES = (User, Court, MediationOrganization, MediationOrgCourt, MediatorProfile, WorkingHours, MachineClient)


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def sms_login(client, phone: str) -> dict:
    assert client.post(f"{MP}/auth/sms/send", json={"phone": phone}).status_code == 202
    [message, *_older] = client.get(f"{MP}/dev/sms-outbox", query_string={"phone": phone}).get_json()
    assert message["template"] == "login_code" and message["code"] in message["text"]
    answer = client.post(f"{MP}/auth/sms/verify", json={"phone": phone, "code": message["code"]})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def test_seeding_twice_changes_nothing_and_prints_the_client_and_the_login_table_last(app):
    first = seed(app)
    made = counts()
    assert made == {
        "User": 9,
        "Court": 2,
        "MediationOrganization": 1,
        "MediationOrgCourt": 2,
        "MediatorProfile": 1,
        "WorkingHours": 10,
        "MachineClient": 1,
    }
    second = seed(app)
    assert counts() == made
    client_id = db.session.scalar(select(MachineClient.client_id))
    block = first[first.index("=" * 78) :]
    assert first.rstrip().endswith("=" * 78) and client_id in block and "client_secret  cs_" in block
    assert all(phone in block for phone in identity_demo.DEMO_PEOPLE)
    assert "cs_" not in second and f"rotate-client {client_id}" in second  # the secret is never shown again


def test_a_new_user_is_recommended_the_demo_mediator_for_a_loan_dispute_at_the_demo_court(app, client):
    seed(app)
    court = db.session.scalar(select(Court).where(Court.code == identity_demo.DEMO_COURT[0]))
    headers = sms_login(client, "13800000008")
    shown = app.test_cli_runner().invoke(args=["sms-outbox", "13800000008"]).output
    assert "验证码" in shown and "  code " in shown
    filed = client.post(f"{MP}/cases", json=filing(court=court), headers={**headers, "Idempotency-Key": "demo-walk-1"})
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["id"]
    recs = client.get(f"{MP}/cases/{case_id}/mediator-recommendations", headers=headers).get_json()
    assert [r["display_name"] for r in recs] == ["调解员 陈"]
    assert recs[0]["score"]["specialty"] == 50 and recs[0]["score"]["region"] == 30
    orgs = client.get(f"{MP}/mediation/orgs", query_string={"category": "民间借贷纠纷"}, headers=headers).get_json()
    [org] = orgs["items"]
    assert {c["code"] for c in org["linked_courts"]} == {"浙0212", "浙0203"}


def test_a_database_seeded_with_the_old_categories_is_corrected(app):
    seed(app)
    org = db.session.scalar(select(MediationOrganization))
    org.categories = ["民间借贷", "婚姻家庭", "物业纠纷"]
    db.session.commit()
    seed(app)
    db.session.refresh(org)
    assert set(org.categories) == set(identity_demo.DEMO_CATEGORIES)


def test_the_dev_outbox_gives_the_code_of_login_and_claim_texts_only():
    assert dev_outbox.code_in("login_code", "【微法院】验证码042917，5分钟内有效。请勿告诉他人。") == "042917"
    claim = "【微法院】12368已为您代办立案，认领码K7QX3MPA，请在微法院小程序中认领。"
    assert dev_outbox.code_in("case_claim", claim) == "K7QX3MPA"
    served = (
        "【微法院】宁波市北仑区人民法院有诉讼文书待您接收。请用本手机号登录微法院小程序，输入接收码AB12CD34并确认电子送达后查看；"
        "如需纸质文书请联系法院。"
    )
    assert dev_outbox.code_in("service_claim", served) == "AB12CD34"
    assert dev_outbox.code_in("session_reminder", "【微法院】您的调解将于10:00开始，请准时参加。") is None
    assert dev_outbox.code_in("login_code", None) is None
