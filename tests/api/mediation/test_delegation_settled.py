"""A delegated accepted case (委托调解) that settles (issue 14, item 2: agreement -> withdrawal): the delegation
comes back `settled`, the litigation waits for the court, and the court ends it by permitting the plaintiff's
withdrawal through litigation's decision route. Over HTTP; on PostgreSQL too with TEST_DATABASE_URL."""

from __future__ import annotations

import uuid

import pytest

from app.cases.models import Case
from app.extensions import db
from tests.api.mediation.helpers_delegation import COURT, MP, accept, accepted_case, build_world, send, subscribe
from tests.support.factories import login


@pytest.fixture
def world(app, client, clock):
    w = build_world(clock)
    subscribe(client, w)
    return w


def test_a_settled_delegated_case_is_closed_by_the_court_permitting_withdrawal(client, world):
    w = world
    case = accepted_case(w)
    d_id = send(client, w, case.id)["id"]
    mediation_id = accept(client, w, d_id, with_mediator=True)["mediation_case_id"]
    assert client.post(f"{MP}/cases/{mediation_id}/mediator/accept", headers=login(w["mediator"])).status_code == 200

    settled = client.post(
        f"{MP}/cases/{mediation_id}/outcome",
        json={"result": "settled", "terms": "被告于2026年12月31日前归还借款10000元，原告撤回起诉。"},
        headers=login(w["mediator"]),
    )
    assert settled.status_code == 200, settled.get_json()
    assert settled.get_json()["agreement"]["sha256"]

    shown = client.get(f"{COURT}/delegations/{d_id}", headers=login(w["clerk"])).get_json()
    assert (shown["state"], shown["outcome"], shown["case_status"]) == ("returned", "settled", "accepted")

    # The plaintiff applies to withdraw (outside the platform); the court permits it and the case is closed.
    decided = client.post(
        f"{COURT}/cases/{case.id}/decision",
        json={"closing_method": "withdrawal_permitted", "note": "委托调解达成协议，准予撤诉"},
        headers=login(w["clerk"]) | {"Idempotency-Key": "settled-withdrawal"},
    )
    assert decided.status_code == 200, decided.get_json()
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "closed"
    assert db.session.get(Case, uuid.UUID(mediation_id)).status == "settled"  # the mediation keeps its own end
    after = client.get(f"{COURT}/delegations/{d_id}", headers=login(w["clerk"])).get_json()
    assert (after["state"], after["outcome"], after["case_status"]) == ("returned", "settled", "closed")
