"""One matrix over HTTP (issue 21 items 1-2): an error, a validation answer, a case timeline, a deadline
explanation and a work item, each read with no Accept-Language, `zh`, `zh-CN`, `en` and a language the service
does not speak (`fr`: Chinese). The words follow the header; `reason`, codes, states and ids never do."""

from __future__ import annotations

import datetime as dt
import uuid

from app.utils.clock import SHANGHAI
from tests.api.service.support import push, service_world
from tests.support.cases import file_case
from tests.support.factories import login, make_org, make_user

HEADERS = {None: "zh", "zh": "zh", "zh-CN": "zh", "en": "en", "fr": "zh"}  # header -> the language expected
WORDS = ("message", "errors", "request_id", "summary", "explanation", "reason")


def _with(headers: dict, language: str | None) -> dict:
    return headers | ({"Accept-Language": language} if language else {})


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_errors_and_validation_answers_in_every_header(client):
    user = make_user()
    missing = f"/api/mp/v1/cases/{uuid.uuid4()}/timeline"
    for language, expected in HEADERS.items():
        response = client.get(missing, headers=_with(login(user), language))
        body = response.get_json()
        assert response.status_code == 404 and body["reason"] == "case.not_found" and body["code"] == 404
        assert _chinese(body["message"]) == (expected == "zh"), (language, body["message"])
        bad = client.put("/api/mp/v1/me/language", json={"language": "fr"}, headers=_with(login(user), language))
        answer = bad.get_json()
        assert bad.status_code == 422 and answer["reason"] == "validation.failed"
        assert _chinese(answer["message"]) == (expected == "zh"), (language, answer["message"])
        assert _chinese(answer["errors"]["language"][0]) == (expected == "zh"), (language, answer["errors"])


def test_a_timeline_in_every_header_with_the_same_machine_fields(client):
    filer = make_user(real_name="张三")
    case = file_case(filer, org=make_org())
    read = {}
    for language in HEADERS:
        response = client.get(f"/api/mp/v1/cases/{case.id}/timeline", headers=_with(login(filer), language))
        assert response.status_code == 200
        read[language] = response.get_json()
    for language, expected in HEADERS.items():
        assert [e["summary"] for e in read[language]] == [e["summary"] for e in read[expected]]
        assert [{k: v for k, v in e.items() if k != "summary"} for e in read[language]] == [
            {k: v for k, v in e.items() if k != "summary"} for e in read["en"]
        ]
    assert read["zh"][0]["summary"].startswith("调解案件已提交") and read["en"][0]["summary"].startswith("mediation")


def test_a_deadline_explanation_and_a_work_item_in_every_header(client, clock):
    clock.set(dt.datetime(2026, 2, 1, 10, 0, tzinfo=SHANGHAI))
    served, held = {}, {}
    for language in HEADERS:
        world = service_world()
        body = push(client, world, headers=_with(world.machine_headers, language)).get_json()
        served[language] = body["deadline"]
        world = service_world(respondent_consents=False)
        assert push(client, world).get_json()["status"] == "held"
        listed = client.get("/api/court/v1/work-items?status=open", headers=_with(world.clerk_headers, language))
        held[language] = listed.get_json()["items"]
    for language, expected in HEADERS.items():
        assert served[language]["explanation"] == served[expected]["explanation"], language
        period = served[language]["explanation"][1]  # the period's label is the statute's word in both
        assert period.startswith("期间：" if expected == "zh" else "Period: "), (language, period)
        machine = {k: v for k, v in served[language].items() if k != "explanation"}
        assert machine == {k: v for k, v in served["en"].items() if k != "explanation"}
        [item] = held[language]
        assert _chinese(item["reason"]) == (expected == "zh"), (language, item["reason"])
        assert (item["kind"], item["status"]) == ("document_held", "open")


def test_a_per_field_message_with_ids_reads_in_chinese_without_a_header(client, clock):
    """app/litigation/appeals.py: `Not evidence of yours in this case: {ids}`: an f-string field message."""
    from tests.api.litigation.support import COURT, MP, accepted_case, upload_evidence
    from tests.api.litigation.support import push as serve

    clock.set(dt.datetime(2026, 11, 9, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    theirs = upload_evidence(client, world, "plaintiff", "借条")
    decided = client.post(
        f"{COURT}/cases/{world.case.id}/decision",
        json={"closing_method": "judgment", "performance_days": 15},
        headers={**world.headers("judge"), "Idempotency-Key": "decide"},
    )
    assert decided.status_code == 200, decided.get_json()
    serve(client, world, world.defendant)
    body = {"statement": "撤销原判", "grounds": "一审认定事实错误", "evidence_ids": [theirs]}
    for language, expected in HEADERS.items():
        headers = _with({**world.headers("defendant"), "Idempotency-Key": f"a-{language}"}, language)
        answer = client.post(f"{MP}/cases/{world.case.id}/appeals", json=body, headers=headers)
        [text] = answer.get_json()["errors"]["evidence_ids"]
        assert answer.status_code == 422 and str(theirs) in text
        assert text.startswith("不是您在本案中提交的证据" if expected == "zh" else "Not evidence of yours"), text
