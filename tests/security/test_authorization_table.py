"""Every route x every principal: allowed ones succeed, the gate refuses others alike, objects not theirs are 404."""

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
    refused = route.refused_by_gate(principal)
    if refused is not None:
        return {refused}
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
    # someone the route's gate lets through, so the answer is the object's, not the gate's
    caller = next(p for p in ("platform_admin", "clerk", "mediator") if route.refused_by_gate(p) is None)
    response = call(client, route, world, caller, path=prefix + NONEXISTENT_PATHS[rule])
    assert response.status_code == 404


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.rule}")
def test_bad_tokens_are_401_on_every_protected_route(app, client, clock, route):
    world = build_world()
    url = concrete_path(route, world)  # refused before any object is looked at: one path serves every token
    for name, token in bad_tokens.corpus(app, world).items():
        response = call(client, route, world, "anonymous", path=url, headers={"Authorization": token})
        assert response.status_code == 401, f"{name}: {response.status_code}"
        assert response.get_json()["reason"].startswith("auth.")


# A body and a query no route accepts: unknown fields (every input schema refuses them) and an out-of-range page.
INVALID_BODY = {"__not_a_field__": ["x"], "limit": -1}
INVALID_QUERY = {"__not_a_field__": "x", "limit": "-1"}
PLACEHOLDERS = {"uuid": "00000000-0000-7000-8000-000000000000", "int": "2026", "string": "XXXXXXXX"}
CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def _fill(rule: str) -> str:
    """A concrete URL for a rule: refused callers never reach the object, so placeholder ids are enough."""
    return CONVERTER.sub(lambda m: PLACEHOLDERS.get(m.group(1) or "string", "XXXXXXXX"), rule)


def _refused_callers(route: Route) -> dict[str, int]:
    """Everyone the route turns away before its body: anonymous and the wrong token kind (401), the gate's refused."""
    refused = {"anonymous": 401}
    for principal in PRINCIPALS[1:]:
        is_machine = principal in {"machine", "other_machine"}
        if (route.auth == "user" and is_machine) or (route.auth == "machine" and not is_machine):
            refused[principal] = 401
        elif route.refused_by_gate(principal) is not None:
            refused[principal] = route.refused_by_gate(principal)
    return refused


def _answer(response) -> tuple[int, str, str]:
    body = response.get_json()
    assert set(body) == {"code", "status", "reason", "message", "errors", "request_id"}, body
    return response.status_code, body["reason"], body["message"]


def test_function_level_authorization_comes_before_the_body_on_every_route(app, client):
    """Every protected route of the URL map, with each caller it refuses and a body/query it would refuse with 422:
    the answer is 401/403/404, the same as with no input at all (the schema is never revealed to them)."""
    world = build_world()
    rows = {(r.method, r.rule): r for r in TABLE}
    walked, calls = set(), 0
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}) if API.match(rule.rule) else ():
            route = rows.get((method, rule.rule))
            if route is None or route.auth == "public":  # a missing row fails test_every_route_is_in_the_table
                continue
            audience = rule.rule.split("/")[2]
            if audience == "court" and route.gate_name != "any":
                assert route.refused_by_gate("citizen"), f"a citizen passes the gate of {method} {rule.rule}"
            if audience == "admin":
                assert route.refused_by_gate("clerk") and route.refused_by_gate("citizen"), f"{method} {rule.rule}"
            url = _fill(rule.rule)
            for principal, status in _refused_callers(route).items():
                hostile = client.open(
                    url, method=method, json=INVALID_BODY, query_string=INVALID_QUERY, headers=world.headers[principal]
                )
                plain = client.open(url, method=method, headers=world.headers[principal])
                assert hostile.status_code == status, f"{principal} {method} {rule.rule}: {hostile.get_json()}"
                assert _answer(hostile) == _answer(plain), f"{principal} {method} {rule.rule}"
                calls += 1
            walked.add((method, rule.rule))
    assert len(walked) == len([r for r in TABLE if r.auth != "public"]) and calls > len(walked)
