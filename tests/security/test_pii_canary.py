"""Canary scan: a phone and an ID number pushed through every identity flow never show up in logs or at rest."""

import logging

from sqlalchemy import text

from app.extensions import db
from app.security.idcard import check_digit
from app.utils.logging import JsonFormatter

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
