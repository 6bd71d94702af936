"""Hostile input never reaches a 500: each answers a 4xx in the one error shape (issue 13)."""

from __future__ import annotations

import base64
import io
import json
import re
import socket

import pytest
from werkzeug.test import create_environ

from tests.support.cases import filing
from tests.support.factories import grant, login, make_court, make_org, make_user
from tests.support.live_server import live_server

MP = "/api/mp/v1"
COURT = "/api/court/v1"
SHAPE = {"code", "status", "reason", "message", "errors", "request_id"}
SOME_ID = "00000000-0000-0000-0000-000000000001"


def assert_client_error(response, *codes: int) -> dict:
    """A 4xx among `codes` in the one error shape."""
    body = response.get_json()
    assert response.status_code in codes, (response.status_code, body)
    assert set(body) == SHAPE
    assert body["code"] == response.status_code
    return body


def post_raw(client, path: str, raw: str, headers: dict | None = None):
    return client.post(path, data=raw.encode(), content_type="application/json", headers=headers or {})


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", [f"{MP}/auth/sms/send", f"{MP}/auth/refresh"])
def test_json_nested_thousands_deep_is_refused_without_authentication(client, path):
    body = assert_client_error(post_raw(client, path, deep(100_000)), 400)
    assert body["reason"] == "request.bad_json"


def test_json_nested_deep_inside_an_object_is_refused(client):
    raw = '{"phone": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    assert_client_error(post_raw(client, f"{MP}/auth/sms/send", raw), 400)


def test_lone_surrogate_in_a_free_text_field_names_the_field(client):
    user = make_user(real_name="张三")
    org = make_org()
    payload = json.dumps(filing(org=org), ensure_ascii=True).replace('"title": "', '"title": "ab\\ud800cd', 1)
    body = assert_client_error(post_raw(client, f"{MP}/cases", payload, login(user)), 422)
    assert set(body["errors"]) == {"title"}


def test_lone_surrogate_nested_in_a_list_names_its_path(client):
    user = make_user(real_name="张三")
    payload = filing(org=make_org())
    raw = json.dumps(payload, ensure_ascii=True).replace('"name": "', '"name": "\\udfff', 1)
    body = assert_client_error(post_raw(client, f"{MP}/cases", raw, login(user)), 422)
    assert body["errors"] == {"parties": {"0": {"name": [body["errors"]["parties"]["0"]["name"][0]]}}}


def test_nul_character_in_text_is_refused(client):
    user = make_user(real_name="张三")
    raw = json.dumps(filing(org=make_org(), title="ab\x00cd"))
    body = assert_client_error(post_raw(client, f"{MP}/cases", raw, login(user)), 422)
    assert set(body["errors"]) == {"title"}


def test_nul_character_in_a_query_string_is_refused(client):
    user = make_user()
    assert_client_error(client.get(f"{MP}/cases?status=a%00b", headers=login(user)), 400, 422)


def test_nul_character_in_a_path_is_refused(client):
    assert_client_error(client.get(f"{MP}/invitations/ab%00cd"), 400)


def test_integer_literal_of_thousands_of_digits_is_refused(client):
    user = make_user(real_name="张三")
    raw = json.dumps(filing(org=make_org(), amount=0)).replace('"amount": 0', '"amount": ' + "9" * 5000)
    body = assert_client_error(post_raw(client, f"{MP}/cases", raw, login(user)), 422)
    assert set(body["errors"]) == {"amount"}


def test_integer_literal_of_thousands_of_digits_is_refused_without_authentication(client):
    assert_client_error(post_raw(client, f"{MP}/auth/sms/send", '{"phone": ' + "1" * 5000 + "}"), 400, 422)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_constants_are_refused(client, literal):
    assert_client_error(post_raw(client, f"{MP}/auth/sms/send", '{"phone": ' + literal + "}"), 400, 422)


def forged_cursor(row_id: object) -> str:
    raw = json.dumps(["2026-01-01T00:00:00+00:00", row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("row_id", [5, None, ["x"], {"a": 1}, "not-a-uuid"])
def test_well_formed_cursor_with_a_foreign_id_is_422_on_cases(client, row_id):
    user = make_user()
    response = client.get(f"{MP}/cases", query_string={"cursor": forged_cursor(row_id)}, headers=login(user))
    body = assert_client_error(response, 422)
    assert set(body["errors"]) == {"cursor"}


def test_well_formed_cursor_with_an_integer_id_is_422_on_filings(client):
    clerk = make_user()
    grant(clerk, role="clerk", court=make_court())
    response = client.get(f"{COURT}/filings", query_string={"cursor": forged_cursor(5)}, headers=login(clerk))
    body = assert_client_error(response, 422)
    assert set(body["errors"]) == {"cursor"}


OVERFLOWING = base64.urlsafe_b64encode(json.dumps(["0001-01-01T00:00:00+14:00", SOME_ID]).encode()).decode()


@pytest.mark.parametrize("cursor", [base64.urlsafe_b64encode(b"[1, 2, 3]").decode(), "e30", "bnVsbA", OVERFLOWING])
def test_cursor_of_another_shape_is_422(client, cursor):
    user = make_user()
    response = client.get(f"{MP}/cases", query_string={"cursor": cursor}, headers=login(user))
    assert set(assert_client_error(response, 422)["errors"]) == {"cursor"}


@pytest.mark.parametrize(
    "window",
    [
        ("0001-01-01T00:00:00+00:00", "0001-02-01T00:00:00+00:00"),
        ("9999-12-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"),
        ("1100-01-15T11:21:24+03:16", "1100-02-15T11:21:24+03:16"),
    ],
)
def test_schedule_window_out_of_range_is_422(client, window):
    user = make_user()
    query = {"from": window[0], "to": window[1]}
    body = assert_client_error(client.get(f"{MP}/me/schedule", query_string=query, headers=login(user)), 422)
    assert set(body["errors"]) <= {"from", "to"} and body["errors"]


def test_schedule_window_answers_rfc3339_in_shanghai(client):
    user = make_user()
    query = {"from": "2030-01-15T11:21:24+03:16", "to": "2030-02-15T11:21:24+03:16"}
    response = client.get(f"{MP}/me/schedule", query_string=query, headers=login(user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["from"] == "2030-01-15T16:05:24+08:00" and body["to"].endswith("+08:00")
    for value in _datetimes(body):
        assert RFC3339.fullmatch(value), value


RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def _datetimes(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _datetimes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _datetimes(value)
    elif isinstance(node, str) and len(node) >= 19 and node[4] == "-" and node[10] == "T":
        yield node


class _GunicornBody:
    """What gunicorn hands the app for `Transfer-Encoding: chunked` with a bad chunk size: a reader that raises."""

    def read(self, *_args):
        from gunicorn.http.errors import InvalidChunkSize

        raise InvalidChunkSize(b"zz")

    readline = read


@pytest.mark.parametrize("path", [f"{MP}/auth/sms/send", f"{MP}/cases"])
def test_a_body_the_server_cannot_de_chunk_is_400(app, path):
    environ = create_environ(path, method="POST", content_type="application/json", headers={"Host": "localhost"})
    environ.update({"wsgi.input": _GunicornBody(), "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"})
    environ.pop("CONTENT_LENGTH", None)
    status, body = _call_wsgi(app, environ)
    assert status.startswith("400"), (status, body)
    error = json.loads(body)
    assert set(error) == SHAPE and error["code"] == 400


def _call_wsgi(app, environ) -> tuple[str, bytes]:
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    chunks = app(environ, start_response)
    return seen["status"], b"".join(chunks)


def test_invalid_chunked_transfer_encoding_over_a_socket_is_400(app):
    """The real thing: werkzeug's server de-chunks the body and raises on a bad chunk size."""
    with live_server(app=app) as server:
        host, port = server.url.removeprefix("http://").split(":")
        request = (
            f"POST {MP}/auth/sms/send HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
        )
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(request.encode())
            raw = b""
            while chunk := conn.recv(65536):
                raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"400", raw
    error = json.loads(body)
    assert set(error) == SHAPE and error["code"] == 400


@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        (f"{MP}/cases/{SOME_ID}/withdraw", "reason", '{"reason": "ab\\ud800cd"}'),
        (f"{COURT}/cases/{SOME_ID}/reject", "reason", '{"reason": "ab\\udc00cd"}'),
        (f"{COURT}/hotline/calls", "summary", '{"summary": "\\ud800", "caller_phone": "13800000000"}'),
        ("/api/admin/v1/courts", "name", '{"name": "\\udbffcourt"}'),
        (f"{MP}/auth/sms/send", "phone", '{"phone": "1380000\\ud8000"}'),
    ],
)
def test_bad_text_is_refused_on_every_json_route_before_the_database(client, path, field, body):
    """The guard is central: whatever the route and the caller, the field is named and nothing reaches SQL."""
    response = post_raw(client, path, body, login(make_user()))
    assert field in assert_client_error(response, 422)["errors"]


def test_bad_text_inside_a_multipart_json_part_is_refused(client):
    from tests.api.service.support import PUSH, meta, pdf_bytes, service_world

    world = service_world(respondent_consents=True)
    data = {
        "meta": json.dumps(meta(world, title="起诉状\ud800副本"), ensure_ascii=True),  # the escape, as sent
        "file": (io.BytesIO(pdf_bytes()), "doc.pdf"),
    }
    headers = {**world.machine_headers, "Idempotency-Key": "hostile-1"}
    response = client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")
    assert "meta" in assert_client_error(response, 422)["errors"]
