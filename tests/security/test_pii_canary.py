"""Canary scan: a phone and an ID number pushed through every identity flow never show up in logs or at rest."""

import logging

from sqlalchemy import select, text

from app.audit.models import AuditEvent
from app.cases.models import CaseParty
from app.extensions import db
from app.security.idcard import check_digit
from app.utils.logging import JsonFormatter
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court, make_org, make_user

CANARY_PHONE = "13912340987"
CANARY_BODY = "33028119850615741"
CANARY_ID = CANARY_BODY + check_digit(CANARY_BODY)
CANARY_NAME = "王金丝雀"


def test_canaries_never_reach_logs_or_plain_columns(app, client, wechat, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/api/mp/v1/auth/sms/send", json={"phone": CANARY_PHONE})
        outbox = client.get("/api/mp/v1/dev/sms-outbox", query_string={"phone": CANARY_PHONE}).get_json()
        code = outbox[0]["text"].split("验证码")[1][:6]
        tokens = client.post("/api/mp/v1/auth/sms/verify", json={"phone": CANARY_PHONE, "code": code}).get_json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        verified = client.post(
            "/api/mp/v1/me/verification", json={"real_name": CANARY_NAME, "id_number": CANARY_ID}, headers=headers
        )
        assert verified.status_code == 200
        client.post(
            "/api/mp/v1/me/verification",
            json={"real_name": CANARY_NAME, "id_number": CANARY_ID[:-1] + "0"},
            headers=headers,
        )
        client.post("/api/mp/v1/auth/sms/verify", json={"phone": CANARY_PHONE, "code": "000000"})
        client.get("/api/mp/v1/me", headers=headers)
    rendered = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    for canary in (CANARY_PHONE, CANARY_ID, CANARY_BODY, CANARY_PHONE[-8:]):
        assert canary not in rendered, f"{canary} leaked into the logs"
    dump = _dump_every_text_column()
    for canary in (CANARY_PHONE, CANARY_ID):
        assert canary not in dump, f"{canary} is stored in plain text"


def _dump_every_text_column() -> str:
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f'SELECT * FROM "{table.name}"')):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_staff_disclosure_shows_the_canaries_only_in_its_answer(app, client, caplog):
    """Unmasking (court and mini-program routes) returns the canaries, yet logs, audit log and columns hold none."""
    court, org = make_court(), make_org()
    clerk, mediator = make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(mediator, role="mediator", org=org)
    parties = [
        {"role": "applicant", "name": "张三", "is_self": True, "phone": "13800000008"},
        {"role": "respondent", "name": CANARY_NAME, "phone": CANARY_PHONE, "id_number": CANARY_ID},
    ]
    case = file_case(make_user(real_name="张三"), court=court, org=org, parties=parties)
    case.mediator_user_id = mediator.id
    db.session.commit()
    party_id = db.session.scalar(select(CaseParty.id).filter_by(case_id=case.id, role="respondent"))
    path = f"/cases/{case.id}/parties/{party_id}/disclose"
    with caplog.at_level(logging.DEBUG):
        answers = [
            client.post(f"/api/court/v1{path}", json={"reason": "送达前核实身份"}, headers=login(clerk)),
            client.post(f"/api/mp/v1{path}", json={"reason": "联系当事人安排调解"}, headers=login(mediator)),
        ]
        refused = client.post(f"/api/court/v1{path}", json={"reason": f"拨打{CANARY_PHONE}核实"}, headers=login(clerk))
    assert [a.status_code for a in answers] == [200, 200] and refused.status_code == 422
    for answer in answers:
        assert (answer.get_json()["phone"], answer.get_json()["id_number"]) == ("+86" + CANARY_PHONE, CANARY_ID)
    assert CANARY_PHONE not in refused.get_data(as_text=True)
    rendered = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    audit_rows = "\n".join(str(vars(e)) for e in db.session.scalars(select(AuditEvent)))
    assert "pii.unmasked" in audit_rows
    for canary in (CANARY_PHONE, CANARY_ID, CANARY_BODY, CANARY_PHONE[-8:], CANARY_NAME):
        assert canary not in rendered, f"{canary} leaked into the logs"
        assert canary not in audit_rows, f"{canary} leaked into the audit log"
    dump = _dump_every_text_column()
    for canary in (CANARY_PHONE, CANARY_ID):
        assert canary not in dump, f"{canary} is stored in plain text"
