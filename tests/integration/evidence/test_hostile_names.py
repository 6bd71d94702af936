"""Hostile file names never reach a key, a log line or a header unescaped; Chinese names survive intact."""

from __future__ import annotations

import logging
import re
import unicodedata
import urllib.parse

import pytest

from app.utils.logging import JsonFormatter
from tests.integration.evidence import samples
from tests.integration.evidence.conftest import complete, declaration, fetch, post_form, row

KEY = re.compile(r"^cases/[0-9a-f-]{36}/evidence/[0-9a-f]{32}$")
HOSTILE = {
    "traversal": ("../../etc/passwd", "passwd"),
    "windows-traversal": ("..\\..\\Windows\\System32\\证据.pdf", "证据.pdf"),
    "crlf": ("a\r\nSet-Cookie: x=1.pdf", "aSet-Cookie x=1.pdf"),
    "nul": ("nul\x00byte.pdf", "nulbyte.pdf"),
    "rtl-override": ("合同\u202efdp.pdf", "合同fdp.pdf"),
    "quotes": ('"; filename="evil.html.pdf', "; filename=evil.html.pdf"),
    "very-long": ("长" * 400 + ".pdf", "长" * 146 + ".pdf"),
    "chinese": ("证据 借条（第1页）.pdf", "证据 借条（第1页）.pdf"),
    "only-dots-and-spaces": (" . . ", "evidence"),
}


def disposition_name(header: str) -> str:
    marker = "filename*=UTF-8''"
    assert marker in header, header
    return urllib.parse.unquote(header.split(marker, 1)[1].split(";", 1)[0].strip())


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_name_is_cleaned_and_never_escapes(env, dispute, caplog, case):
    raw, shown = HOSTILE[case]
    content = samples.pdf()
    with caplog.at_level(logging.DEBUG):
        ticket = env.api(
            "POST",
            f"/cases/{dispute.case.id}/evidence/uploads",
            dispute.headers["applicant"],
            json=declaration(content, filename=raw),
        )
        assert ticket.status_code == 201, ticket.text
        upload = ticket.json()["upload"]
        assert re.fullmatch(r"cases/[0-9a-f-]{36}/evidence/[0-9a-f]{32}\.upload", upload["fields"]["key"])
        assert post_form(upload, content, name=raw).status_code == 204  # the part's own name is hostile too
        item = complete(env, dispute.headers["applicant"], ticket.json()["evidence_id"])
        assert item.json()["status"] == "stored"
        detail = env.api("GET", f"/evidence/{item.json()['id']}", dispute.headers["applicant"]).json()
        download = fetch(detail["download_url"])

    assert detail["filename"] == shown
    assert all(unicodedata.category(ch)[0] != "C" for ch in shown) and len(shown) <= 150
    assert KEY.match(row(item.json()["id"]).object_key)
    assert all(KEY.match(key) for key in env.keys(dispute.case.id))

    assert download.status_code == 200 and download.content == content
    header = download.headers["Content-Disposition"]
    assert header.startswith("attachment;") and header.isascii() and header.isprintable()
    assert "Set-Cookie" not in download.headers and "\r" not in header and "\n" not in header
    expected = shown if shown.endswith(".pdf") else shown + ".pdf"
    assert disposition_name(header) == expected

    # The app's own log lines never carry the name; the dev server's request line (gunicorn's access log in
    # production) shows the local store's signed download link, whose query holds the cleaned name, escaped.
    ours = "\n".join(JsonFormatter().format(r) for r in caplog.records if r.name != "werkzeug")
    for fragment in {raw, shown, "Set-Cookie", "passwd", "\u202e", "借条", "长长长", "fdp"} - {"evidence"}:
        assert fragment not in ours, f"{fragment!r} reached the logs"
    everything = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    for fragment in ("\r\nSet-Cookie", "\\r\\nSet-Cookie", "\x00", "\\u0000", "\u202e", "\\u202e", "../", "..\\"):
        assert fragment not in everything, f"{fragment!r} reached a log line"


@pytest.mark.parametrize("raw", ["invoice\u202efdp.exe", "借条.pdf.exe", "照片.zip", "report.html"])
def test_a_name_claiming_another_type_is_refused(local_env, dispute, raw):
    response = local_env.api(
        "POST",
        f"/cases/{dispute.case.id}/evidence/uploads",
        dispute.headers["applicant"],
        json=declaration(samples.pdf(), filename=raw),
    )
    assert response.status_code == 422 and "filename" in response.json()["errors"]


def test_an_empty_or_absurd_name_is_a_422(local_env, dispute):
    for raw in ("", "x" * 1025):
        response = local_env.api(
            "POST",
            f"/cases/{dispute.case.id}/evidence/uploads",
            dispute.headers["applicant"],
            json=declaration(samples.pdf(), filename=raw),
        )
        assert response.status_code == 422 and "filename" in response.json()["errors"]
