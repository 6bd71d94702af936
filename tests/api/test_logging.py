"""JSON-line logs carry the request id and the route pattern, not raw paths."""

import json
import logging

from app.utils.logging import JsonFormatter


def test_access_log_is_json_with_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="microcourt.access"):
        client.get("/api/public/v1/healthz", headers={"X-Request-ID": "trace-0001-abcd"})
    records = [r for r in caplog.records if r.name == "microcourt.access"]
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "trace-0001-abcd"
    assert line["route"] == "/api/public/v1/healthz"
    assert line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)


def test_unmatched_paths_are_not_logged_verbatim(client, caplog):
    with caplog.at_level(logging.INFO, logger="microcourt.access"):
        client.get("/api/mp/v1/invitations/SECRETTOKEN123/qr.png")
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "SECRETTOKEN123" not in text


def test_formatter_keeps_chinese_readable():
    record = logging.makeLogRecord({"msg": "证据已上传", "levelname": "INFO", "name": "t"})
    assert "证据已上传" in JsonFormatter().format(record)
