"""Every route x every principal: allowed ones succeed, others get 404/401 alike; bad tokens are all 401."""

from __future__ import annotations

import re

import pytest

from tests.security import bad_tokens
from tests.security.routes import NONEXISTENT_PATHS, TABLE, Route, concrete_path
from tests.security.world import PRINCIPALS, build_world

API = re.compile(r"^/api/(mp|court|admin|public)/")
OK = {200, 201, 202, 204}


def expected_status(route: Route, principal: str) -> set[int]:
    """What the table says this principal gets."""
    if principal in route.special:
        return {route.special[principal]}
    if principal == "anonymous":
        return {401}
    is_machine = principal in {"machine", "other_machine"}
    if (route.auth == "user" and is_machine) or (route.auth == "machine" and not is_machine):
        return {401}
    if principal in route.allowed:
        return OK
    if not route.allowed:
        return {422}  # the table marks routes that refuse every body it sends
    return {404}


def call(client, route: Route, world, principal: str, path: str | None = None, headers: dict | None = None):
    url = path or concrete_path(route, world)
    body = route.body(world) if route.body else None
    return client.open(
        url,
        method=route.method,
        json=body,
        query_string=route.query(world) if callable(route.query) else route.query,
        headers=headers if headers is not None else world.headers[principal],
    )


def test_every_route_is_in_the_table(app):
    listed = {(r.method, r.rule) for r in TABLE}
    missing = []
    for rule in app.url_map.iter_rules():
        if not API.match(rule.rule):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, rule.rule) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes missing from tests/security/routes.py: " + ", ".join(sorted(missing))
    stale = listed - {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods}
    assert not stale, f"table rows for routes that do not exist: {sorted(stale)}"


PROTECTED = [r for r in TABLE if r.auth != "public"]


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.rule}")
def test_each_principal_gets_what_the_table_says(client, route):
    world = build_world()
    results = {}
    for principal in PRINCIPALS:
        response = call(client, route, world, principal)
        results[principal] = response.status_code
        if response.status_code in (401, 404):
            body = response.get_json()
            assert set(body) == {"code", "status", "reason", "message", "errors", "request_id"}
    wrong = {p: s for p, s in results.items() if s not in expected_status(route, p)}
    assert not wrong, f"unexpected statuses: {wrong}"


@pytest.mark.parametrize("route", [r for r in TABLE if r.auth == "public"], ids=lambda r: f"{r.method} {r.rule}")
def test_public_routes_need_no_token(client, route):
    world = build_world()
    assert call(client, route, world, "anonymous").status_code == route.public_status


@pytest.mark.parametrize("rule", sorted(NONEXISTENT_PATHS))
def test_nonexistent_objects_answer_like_forbidden_ones(client, rule):
    route = next(r for r in TABLE if r.rule == rule)
    world = build_world()
    prefix = "/".join(rule.split("/", 4)[:4])
    response = call(client, route, world, "platform_admin", path=prefix + NONEXISTENT_PATHS[rule])
    assert response.status_code == 404


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.rule}")
def test_bad_tokens_are_401_on_every_protected_route(app, client, clock, route):
    world = build_world()
    for name, token in bad_tokens.corpus(app, world).items():
        response = call(client, route, world, "anonymous", headers={"Authorization": token})
        assert response.status_code == 401, f"{name}: {response.status_code}"
        assert response.get_json()["reason"].startswith("auth.")
