"""Pytest plugin: every JSON response a test's client receives must validate against the published OpenAPI.

Registered for the whole suite by tests/conftest.py (issue 13, item 3). Each response of a documented
operation must have a documented status (operations have no `default`: miniprogram_api/docs.py lists each
status) and validate against its schema with the OpenAPI 3.0 validator, and an error's `reason` must be one the
operation lists for that status in `x-error-reasons` (issue 20: the documented reasons cannot drift from the code);
a mismatch fails the test that received it. Test-only routes (tests/support/probe_routes.py) and apps built
without the API are skipped.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator

_specs: dict[int, dict] = {}
_mismatches: list[str] = []
_original_open = FlaskClient.open
PROBE_PREFIX = "/api/probe/"  # tests/support/probe_routes.py: test-only, answers whatever a test needs
RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _spec(app: Flask) -> dict:
    if id(app) not in _specs:
        with app.app_context():
            _specs[id(app)] = app.extensions["microcourt.api"].spec.to_dict()
    return _specs[id(app)]


def _documented_schema(
    app: Flask, method: str, path: str, status: int
) -> tuple[str, dict | None, list[str] | None] | None:
    """The operation's name, its JSON schema for `status` and the error reasons it lists for `status` (None when it
    lists none), or None when the route is not published."""
    if "microcourt.api" not in app.extensions:  # a bare Flask app a test built around one blueprint
        return None
    try:
        rule, _args = app.url_map.bind("localhost").match(path, method=method.upper(), return_rule=True)
    except Exception:
        return None
    template = RULE_PARAMETER.sub(r"{\1}", rule.rule)
    spec = _spec(app)
    operation = spec["paths"].get(template, {}).get(method)
    if operation is None:
        return None
    name = f"{method.upper()} {template} -> {status}"
    response = operation["responses"].get(str(status))
    if response is None:
        return name, None, None
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    reasons = operation.get("x-error-reasons", {}).get(str(status))
    return name, response.get("content", {}).get("application/json", {}).get("schema", {}), reasons


def check(app: Flask, response: Any) -> str | None:
    """A description of how `response` breaks the published contract, or None when it keeps it."""
    environ = response.request.environ
    if response.mimetype != "application/json" or environ.get("PATH_INFO", "").startswith(PROBE_PREFIX):
        return None
    found = _documented_schema(
        app, environ["REQUEST_METHOD"].lower(), environ.get("PATH_INFO", ""), response.status_code
    )
    if found is None:
        return None
    name, schema, reasons = found
    if schema is None:
        return f"{name}: status not documented"
    body = response.get_json(silent=True)
    validator = OAS30Validator({**schema, "components": _spec(app)["components"]})
    error = next(iter(validator.iter_errors(body)), None)
    if error is not None:
        return f"{name}: {error.message[:300]} at {list(error.absolute_path)}"
    reason = body.get("reason") if isinstance(body, dict) and response.status_code >= 400 else None
    if reason and reason not in (reasons or ()):
        return f"{name}: reason {reason!r} is not among the documented x-error-reasons {reasons}"
    return None


def _open(self: FlaskClient, *args: Any, **kwargs: Any) -> Any:
    response = _original_open(self, *args, **kwargs)
    problem = check(self.application, response)
    if problem:
        _mismatches.append(problem)
    return response


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Fail the test if any response it received broke the contract."""
    _mismatches.clear()
    FlaskClient.open = _open  # type: ignore[method-assign]
    try:
        outcome = yield
    finally:
        FlaskClient.open = _original_open  # type: ignore[method-assign]
    if _mismatches and outcome.excinfo is None:
        found = "\n".join(_mismatches)
        _mismatches.clear()
        outcome.force_exception(AssertionError("responses break the published contract:\n" + found))
