"""Health probes, the OpenAPI document, and the self-hosted explorer."""

import re

from openapi_spec_validator import validate

from tests.conftest import make_app

API_PREFIXES = ("/api/mp/", "/api/court/", "/api/admin/", "/api/public/")


def test_healthz_and_readyz(client):
    assert client.get("/api/public/v1/healthz").get_json() == {"status": "ok"}
    ready = client.get("/api/public/v1/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok", "broker": "ok"}}


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
