"""Schemathesis over the app's own /api/openapi.json, in-process: every operation as an anonymous caller, a citizen
and a clerk, checking for server errors and that status, content type and body keep the published contract.

Bounded for make test (FUZZ_EXAMPLES, default 10 per operation and caller, derandomized: the same requests on
every run); `make fuzz` raises the count and adds Schemathesis' coverage phase, CI runs it on PostgreSQL.
Each operation and caller gets a fresh database (the `app` fixture), so no test sees what another wrote.
"""

from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import config
from app import create_app
from app.extensions import db
from tests.support import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# The coverage phase (boundary values, missing and wrong-typed fields, each documented enum) costs about twice
# the rest at this count: make fuzz adds it, make test keeps to examples and random generation.
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _published_spec() -> dict:
    """The document as the app serves it (built once at collection; the routes do not depend on the database)."""
    with tempfile.TemporaryDirectory() as folder:
        application = create_app(
            config.TestingConfig(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/spec.db", STORAGE_LOCAL_ROOT=folder)
        )
        spec = application.test_client().get("/api/openapi.json").get_json()
        with application.app_context():
            db.engine.dispose()
    return spec


schema = schemathesis.openapi.from_dict(_published_spec())
schema.config.phases.update(phases=PHASES)
schema.config.generation.update(
    max_examples=EXAMPLES, deterministic=True, with_security_parameters=False, database="none"
)


@pytest.fixture
def caller_headers(app, wechat, request) -> dict[str, str]:
    """Authorization for the caller this test plays (WeChat is a fake on 127.0.0.1, as in every test)."""
    role = request.param
    if role == "anonymous":
        return {}
    user = factories.make_user(phone="13800138000", real_name="张三")
    if role == "clerk":
        factories.grant(user, court=factories.make_court())
    return factories.login(user)


@pytest.mark.parametrize("caller_headers", ["anonymous", "citizen", "clerk"], indirect=True)
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)
def test_every_operation_keeps_the_contract(case, app, caller_headers):
    case.call_and_validate(app=app, headers=caller_headers, checks=CHECKS)
