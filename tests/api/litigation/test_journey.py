"""Issue 15 over HTTP, across the people it involves: a plaintiff files, the court accepts and starts the trial,
a defendant who never used the service joins and consents, the court records the judgment and its system serves
it, the appeal window runs out with no appeal (a late appeal is refused with the deadline's explanation), the
judgment takes effect, and the plaintiff applies for enforcement, accepted with an enforcement case number (执).
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from sqlalchemy import select

from app.extensions import celery, db
from app.notifications.models import Notification
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.service.support import push
from tests.api.service.test_consent_journey import DEFENDANT_PHONE, _refreshed, _sms_login, _sms_to
from tests.support.cases import filing
from tests.support.factories import grant, login, machine_headers, make_court, make_user

MP, COURT = "/api/mp/v1", "/api/court/v1"


def _ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def _write(client, url: str, body: dict, headers: dict, status: int = 200) -> dict:
    return _ok(client.post(url, json=body, headers={**headers, "Idempotency-Key": f"k-{url}-{len(body)}"}), status)


def test_litigation_from_filing_to_enforcement(client, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))  # a Monday
    court = make_court("浙0212")
    plaintiff, clerk, judge = make_user(real_name="张三", phone="13800000008"), make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(judge, role="judge", court=court)
    system = machine_headers(court)
    _ok(
        client.post(f"{COURT}/webhooks", json={"url": "http://127.0.0.1:9/hooks", "events": ["*"]}, headers=system), 201
    )

    # filing and acceptance (立案)
    case = _write(client, f"{MP}/cases", filing(kind="litigation", court=court), login(plaintiff), 201)
    case_id = case["id"]
    accepted = _write(client, f"{COURT}/cases/{case_id}/accept", {}, login(clerk))
    assert re.fullmatch(r"\(2026\)浙0212民初\d+号", accepted["case_number"])

    # the defendant is summoned, joins with the code the SMS carried and consents to e-service
    consents = _ok(client.get(f"{COURT}/cases/{case_id}/service-consents", headers=login(clerk)))
    defendant_party = next(p for p in consents["parties"] if p["role"] == "defendant")["party_id"]
    plaintiff_party = next(p for p in consents["parties"] if p["role"] == "plaintiff")["party_id"]
    world = SimpleNamespace(case=SimpleNamespace(id=case_id), respondent=SimpleNamespace(id=defendant_party))
    assert push(client, world, headers=system, doc_type="summons", title="传票").status_code == 201
    code = re.search(r"接收码([A-Z0-9]{8})", _sms_to(client, DEFENDANT_PHONE, "service_claim")).group(1)
    defendant, refresh_token = _sms_login(client, DEFENDANT_PHONE)
    _write(client, f"{MP}/service/claim", {"code": code}, defendant)
    text = _ok(client.get(f"{MP}/cases/{case_id}/service-consent", headers=defendant))["consent_text"]
    body = {"address_kind": "mini_program", "text_version": text["version"], "text_sha256": text["sha256"]}
    _write(client, f"{MP}/cases/{case_id}/service-consent", body, defendant)

    # the judge starts the trial; starting it twice is refused and leaves no trace
    assert _write(client, f"{COURT}/cases/{case_id}/trial/start", {}, login(judge))["status"] == "in_trial"
    # (without a body at all: the document marks a body whose fields are all optional as optional)
    again = client.post(f"{COURT}/cases/{case_id}/trial/start", headers=login(judge))
    assert again.status_code == 409 and again.get_json()["reason"] == "case.illegal_transition"

    # the judgment is recorded (performance within 10 days of legal effect) and served on both parties
    decided = {"closing_method": "judgment", "performance_days": 10, "note": "判决被告归还借款"}
    assert _write(client, f"{COURT}/cases/{case_id}/decision", decided, login(judge))["status"] == "in_trial"
    for party in (plaintiff_party, defendant_party):
        world.respondent = SimpleNamespace(id=party)
        served = _ok(push(client, world, headers=system, doc_type="judgment", title="民事判决书"), 201)
        assert served["status"] == "delivered" and served["deadline"]["last_day"] == "2026-11-17"
    view = _ok(client.get(f"{MP}/cases/{case_id}/litigation", headers=login(plaintiff)))
    assert view["status"] == "adjudicated" and view["decision"]["closing_method_label"] == "判决"
    assert {d["deadline"]["ends_at"] for d in view["appeal_deadlines"]} == {"2026-11-18T00:00:00+08:00"}

    # the last evening of the window nothing happens; after midnight the judgment is effective and appeals are late
    clock.set(dt.datetime(2026, 11, 17, 23, 0, tzinfo=SHANGHAI))
    assert celery.tasks["microcourt.litigation.effect_sweep"].apply().get() == 0
    clock.set(dt.datetime(2026, 11, 18, 0, 30, tzinfo=SHANGHAI))
    defendant = _refreshed(client, refresh_token)  # the phone kept its login
    late = client.post(
        f"{MP}/cases/{case_id}/appeals",
        json={"statement": "撤销原判", "grounds": "事实认定错误"},
        headers={**defendant, "Idempotency-Key": "late-appeal"},
    )
    assert late.status_code == 409 and late.get_json()["reason"] == "litigation.appeal_out_of_time"
    assert late.get_json()["errors"]["deadline"][-1].startswith("期满日：2026-11-17 工作日")  # Chinese first
    assert celery.tasks["microcourt.litigation.effect_sweep"].apply().get() == 1
    assert celery.tasks["microcourt.litigation.effect_sweep"].apply().get() == 0  # once
    view = _ok(client.get(f"{MP}/cases/{case_id}/litigation", headers=login(plaintiff)))
    assert view["status"] == "effective" and view["decision"]["effective_at"] == "2026-11-17T16:00:00+00:00"
    told = db.session.scalars(select(Notification.kind).where(Notification.kind == "litigation_effective")).all()
    assert len(told) == 2  # plaintiff and defendant

    # enforcement: two years from the last day of performance (2026-11-28), accepted with a 执 number
    limitation = view["enforcement_limitation"]
    assert limitation["trigger"]["date"] == "2026-11-28" and limitation["raw_end_date"] == "2028-11-28"
    clues = [{"kind": "bank_account", "description": "被告在某银行的账户"}]
    applied = _write(
        client,
        f"{MP}/cases/{case_id}/enforcement-applications",
        {"request": "强制被告归还借款12000元", "property_clues": clues},
        login(plaintiff),
        201,
    )
    assert applied["status"] == "submitted" and applied["court_id"] == str(court.id)
    queue = _ok(client.get(f"{COURT}/enforcement-applications", headers=login(clerk)))
    assert [item["id"] for item in queue["items"]] == [applied["id"]]
    done = _write(client, f"{COURT}/enforcement-applications/{applied['id']}/accept", {}, machine_headers(court))
    assert done["status"] == "accepted" and done["case_number"] == "(2026)浙0212执1号"

    # the plaintiff follows it all on the timeline; the court system was told at every step
    timeline = _ok(client.get(f"{MP}/cases/{case_id}/timeline", headers=login(plaintiff)))
    types = [event["type"] for event in timeline]
    for expected in (
        "case.accepted",
        "litigation.trial_started",
        "litigation.decision_recorded",
        "litigation.adjudicated",
        "litigation.effective",
        "enforcement.applied",
        "enforcement.accepted",
    ):
        assert expected in types, (expected, types)
    sent = set(db.session.scalars(select(WebhookDelivery.event_type)))
    assert {
        "litigation.trial_started",
        "litigation.decision_recorded",
        "litigation.adjudicated",
        "litigation.effective",
        "enforcement.applied",
        "enforcement.accepted",
    } <= sent
