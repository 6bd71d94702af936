"""Versioning (docs/versioning.md): the committed document, deprecation headers, and the policy's own rules."""

from __future__ import annotations

import datetime as dt
import difflib

import pytest

from miniprogram_api import deprecation, published
from tests.conftest import make_app
from tests.support import probe_routes


def test_the_committed_document_is_the_generated_one(database_url, tmp_path):
    """Every contract change is a reviewed diff: `make openapi`, read the diff, add a CHANGELOG.md line.

    A fresh app: the suite's shared one also carries the test-only probe routes."""
    application = make_app(database_url, tmp_path)
    generated = published.canonical(application.test_client().get("/api/openapi.json").get_json())
    committed = published.COMMITTED.read_text(encoding="utf-8")
    if generated != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), generated.splitlines(), "docs/openapi.json", "generated", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:80])
        pytest.fail(f"the API contract changed: run `make openapi`, review, add a CHANGELOG.md line\n{shown}")


def test_the_changelog_has_an_unreleased_section_first():
    text = (published.COMMITTED.parents[1] / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings and headings[0].startswith("## Unreleased"), headings[:2]


def test_no_operation_outlives_its_sunset(client):
    """A deprecated operation is removed once its sunset date has passed (the policy is enforced, not hoped for)."""
    today = dt.date.today()
    for rule in client.application.url_map.iter_rules():
        notice = deprecation.notice_of(client.application.view_functions[rule.endpoint])
        if notice is not None and rule.endpoint.split(".")[0] != probe_routes.blp.name:
            assert notice.sunset >= today, f"{rule.endpoint} is past its sunset {notice.sunset}: remove it"


def test_a_deprecated_route_answers_with_deprecation_sunset_and_successor(client):
    for answer in (client.get("/api/probe/deprecated"), client.get("/api/probe/deprecated?fail=1")):
        assert answer.headers["Deprecation"] == "@1796083200"  # 2026-12-01T00:00:00Z
        assert answer.headers["Sunset"] == "Tue, 01 Jun 2027 00:00:00 GMT"
        assert answer.headers["Link"] == '</api/probe/echo>; rel="successor-version"'
    assert client.get("/api/probe/deprecated?fail=1").status_code == 409
    assert "Deprecation" not in client.post("/api/probe/echo", json={"title": "x"}).headers


def test_the_document_marks_a_deprecated_operation_and_its_headers():
    operation = {"description": "Old.", "responses": {"200": {"description": "OK"}, "404": {"$ref": "#/x"}}}
    deprecation.describe(operation, probe_routes.old_route)
    assert operation["deprecated"] is True
    assert operation["description"].startswith("**Deprecated** since 2026-12-01; removed after 2027-06-01")
    assert set(operation["responses"]["200"]["headers"]) == {"Deprecation", "Sunset"}
    assert operation["responses"]["404"] == {"$ref": "#/x"}
    untouched = {"responses": {}}
    deprecation.describe(untouched, probe_routes.echo)
    assert untouched == {"responses": {}}


def test_a_deprecation_shorter_than_the_minimum_life_is_refused():
    with pytest.raises(ValueError, match="180 days"):
        deprecation.deprecated(since=dt.date(2027, 1, 1), sunset=dt.date(2027, 3, 1))
