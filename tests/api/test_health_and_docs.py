"""Health probes, the OpenAPI document, and the self-hosted explorer."""

import re
import shutil
import struct

import pytest
from openapi_spec_validator import validate

from app.integrations import pdf
from tests.conftest import make_app

API_PREFIXES = ("/api/mp/", "/api/court/", "/api/admin/", "/api/public/")


def test_healthz_and_readyz(client):
    assert client.get("/api/public/v1/healthz").get_json() == {"status": "ok"}
    ready = client.get("/api/public/v1/readyz")
    assert ready.status_code == 200
    checks = {"database": "ok", "storage": "ok", "broker": "ok", "certificate_font": "ok"}
    assert ready.get_json() == {"status": "ready", "checks": checks}


@pytest.mark.parametrize("kind", ["missing", "not_a_font", "no_tables", "not_chinese"])
def test_readyz_is_503_naming_the_certificate_font_when_it_cannot_be_used(app, client, tmp_path, kind):
    bad = {
        "missing": tmp_path / "missing.ttf",
        "not_a_font": tmp_path / "notes.ttf",
        "no_tables": tmp_path / "empty-sfnt.ttf",  # a TrueType header without tables: reportlab raises KeyError
        "not_chinese": pdf.SANS_FONT,  # a good font, but every Chinese character would be an empty box
    }[kind]
    (tmp_path / "notes.ttf").write_text("not a font", encoding="utf-8")
    (tmp_path / "empty-sfnt.ttf").write_bytes(struct.pack(">IHHHH", 0x00010000, 0, 0, 0, 0))
    app.config["CERTIFICATE_FONT_PATH"] = str(bad)
    for _ in range(2):  # a failure is not cached: each probe tries again
        response = client.get("/api/public/v1/readyz")
        body = response.get_json()
        assert response.status_code == 503 and body["reason"] == "health.not_ready"
        assert set(body["errors"]) == {"certificate_font"} and "certificate_font" in body["message"]
        assert "CERTIFICATE_FONT_PATH" in body["errors"]["certificate_font"][0]
        assert str(tmp_path) not in str(body)  # the public probe does not show server paths
        assert int(response.headers["Retry-After"]) >= 1
    app.config["CERTIFICATE_FONT_PATH"] = str(pdf.DEFAULT_CJK_FONT)
    assert client.get("/api/public/v1/readyz").status_code == 200  # recovers without a restart


def test_the_certificate_font_check_is_cached_after_the_first_success(app, client, tmp_path):
    own = tmp_path / "court-font.ttf"
    shutil.copyfile(pdf.DEFAULT_CJK_FONT, own)
    app.config["CERTIFICATE_FONT_PATH"] = str(own)
    assert client.get("/api/public/v1/readyz").get_json()["checks"]["certificate_font"] == "ok"
    own.unlink()  # loaded once: later probes (and certificates) use the registered font, not the file
    assert client.get("/api/public/v1/readyz").get_json()["checks"]["certificate_font"] == "ok"


def test_readyz_is_503_when_the_database_is_down(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path, DB_CONNECT_TIMEOUT=1)
    response = app.test_client().get("/api/public/v1/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["reason"] == "health.not_ready"
    assert "database" in body["errors"] and "storage" not in body["errors"]
    assert int(response.headers["Retry-After"]) >= 1


def test_openapi_is_valid_and_documents_every_route(app, client):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIXES):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            assert path in documented, f"{rule.rule} is not in the OpenAPI document"


def test_explorer_is_served_without_any_cdn(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not re.search(r"""(src|href)=["']https?://""", html)
    for asset in re.findall(r"""(?:src|href)=["'](/api/docs/assets/[^"']+)""", html):
        with client.get(asset) as response:
            assert response.status_code == 200
    assert client.get("/api/docs/assets/../../config.py").status_code == 404
