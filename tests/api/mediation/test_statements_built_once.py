"""The mediation lifecycle's own statements are built once per process, not per call (issue 18, session 6).

Choosing and accepting a mediator, booking a session, issuing and accepting an invitation, the outcome and both
signatures: the statements of app/mediation (assignment, directory, outcome, agreement), app/scheduling
(sessions, conflicts, reminders) and app/invitations are built at import with bound parameters. A warmed
lifecycle builds none of them (calls of `select`, `update`, `union_all` in those modules are counted).
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.invitations import accept, issuing
from app.mediation import agreement, assignment, directory, outcome
from app.scheduling import booking, conflicts, reminders, sessions
from tests.api.mediation.helpers_outcome import mediator
from tests.integration.test_statement_budgets_lifecycle import lifecycle
from tests.support.factories import grant, login, make_org, make_user

MODULES = (assignment, directory, outcome, agreement, sessions, booking, conflicts, reminders, issuing, accept)


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    built: list[str] = []
    for module in MODULES:
        for name in ("select", "update", "union_all"):
            original = getattr(module, name, None)
            if original is None:
                continue

            def counted(*args, _original=original, _name=f"{module.__name__}.{name}", **kwargs):
                built.append(_name)
                return _original(*args, **kwargs)

            monkeypatch.setattr(module, name, counted)
    return built


def test_a_warmed_lifecycle_builds_none_of_its_statements(client, clock, builds):
    org = make_org()
    admin = make_user(real_name="管理员")
    grant(admin, role="org_admin", org=org)
    med, profile = mediator(org)
    profile.max_load = 1000
    db.session.commit()
    org_id, profile_id, h_admin, h_mediator = str(org.id), str(profile.id), login(admin), login(med)
    for n in range(2):
        if n:
            builds.clear()  # the first walk is the warm-up
        filer = make_user(real_name="张三", phone=f"1360000{n:04d}")
        respondent = make_user(real_name="李四", phone=f"1350000{n:04d}")
        lifecycle(client, org_id, profile_id, h_admin, h_mediator, filer, respondent, 9 + n)
    assert builds == []
