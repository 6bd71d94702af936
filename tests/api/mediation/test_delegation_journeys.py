"""Journeys over HTTP across people (issue 14, item 2): a delegated case comes back to the court with the evidence and
the lawyers of the mediation; the court recalls a delegation; an unanswered one expires by the periodic sweep.
On PostgreSQL too with TEST_DATABASE_URL."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.mediation.tasks import delegation_sweep
from app.notifications.models import Notification
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.mediation.helpers_delegation import (
    COURT,
    MP,
    accepted_case,
    appoint,
    build_world,
    hooks,
    party,
    put_item,
    subscribe,
)
from tests.support.factories import login


@pytest.fixture
def world(app, client, clock):
    w = build_world(clock)
    subscribe(client, w)
    return w


def _post(client, url, user, body=None, key=None):
    headers = login(user) | ({"Idempotency-Key": key} if key else {})
    return client.post(url, json=body if body is not None else {}, headers=headers)


def _evidence_titles(client, case_id, user) -> list[str]:
    listed = client.get(f"{MP}/cases/{case_id}/evidence", headers=login(user))
    assert listed.status_code == 200, listed.get_json()
    return sorted(item["title"] for item in listed.get_json()["items"])


def test_a_failed_delegated_mediation_comes_back_with_its_evidence_and_lawyers(client, world):
    w = world
    case = accepted_case(w)
    plaintiff = party(case, "plaintiff")
    put_item(case, plaintiff, w["filer"], b"%PDF loan", order=1, title="借条")
    letter = put_item(case, plaintiff, w["filer"], b"%PDF poa", order=2, title="授权委托书")
    appoint(client, case.id, plaintiff, w["filer"], w["lawyer"], letter)

    # The court delegates its accepted case (委托调解); the organisation accepts and offers it to its mediator.
    body = {"case_id": str(case.id), "org_id": str(w["org"].id), "due_date": "2026-11-30", "note": "委托调解"}
    sent = _post(client, f"{COURT}/delegations", w["clerk"], body, key="j-send")
    assert sent.status_code == 201, sent.get_json()
    d_id = sent.get_json()["id"]
    accepted = _post(
        client, f"{MP}/mediation/delegations/{d_id}/accept", w["admin"], {"mediator_id": str(w["profile"].id)}
    )
    assert accepted.status_code == 200, accepted.get_json()
    mediation_id = accepted.get_json()["mediation_case_id"]
    assert _post(client, f"{MP}/cases/{mediation_id}/mediator/accept", w["mediator"]).status_code == 200

    # The plaintiff's lawyer acts in the mediation without a new power of attorney: reads the evidence, and agrees
    # for the applicant to extend the mediation period.
    assert _evidence_titles(client, mediation_id, w["lawyer"]) == ["借条", "授权委托书"]
    agreed = _post(client, f"{MP}/cases/{mediation_id}/mediation-period/extension", w["lawyer"], {"days": 10})
    assert agreed.status_code == 200, agreed.get_json()

    # The defendant brings new evidence and a lawyer of their own into the mediation.
    mediation = db.session.get(Case, uuid.UUID(mediation_id))
    respondent = party(mediation, "respondent")
    put_item(mediation, respondent, w["defendant"], b"%PDF receipt", order=1, title="收条")
    their_letter = put_item(mediation, respondent, w["defendant"], b"%PDF poa 2", order=2, title="委托书")
    appoint(client, mediation_id, respondent, w["defendant"], w["other_lawyer"], their_letter)

    # The mediation fails; the case is back at the court.
    failed = _post(
        client, f"{MP}/cases/{mediation_id}/outcome", w["mediator"], {"result": "failed", "reason": "双方分歧较大"}
    )
    assert failed.status_code == 200, failed.get_json()
    shown = client.get(f"{COURT}/delegations/{d_id}", headers=login(w["clerk"])).get_json()
    assert (shown["state"], shown["outcome"], shown["case_status"], shown["carried_back_count"]) == (
        "returned",
        "failed",
        "accepted",
        2,
    )
    # ... with the mediation's new evidence (once: nothing the court's case already had) and the new lawyer
    assert _evidence_titles(client, case.id, w["other_lawyer"]) == ["借条", "委托书", "授权委托书", "收条"]
    assert _evidence_titles(client, case.id, w["lawyer"]) == ["借条", "委托书", "授权委托书", "收条"]
    assert delegation_sweep.delay().get() == 0  # nothing left for the sweep
    assert hooks() == ["delegation.accepted", "delegation.returned", "delegation.sent"]


def test_the_court_recalls_a_delegation_under_way(client, world):
    w = world
    case = accepted_case(w)
    d_id = _post(
        client,
        f"{COURT}/delegations",
        w["clerk"],
        {"case_id": str(case.id), "org_id": str(w["org"].id), "due_date": "2026-11-30"},
    ).get_json()["id"]
    body = {"mediator_id": str(w["profile"].id)}
    mediation_id = _post(client, f"{MP}/mediation/delegations/{d_id}/accept", w["admin"], body).get_json()[
        "mediation_case_id"
    ]
    assert _post(client, f"{MP}/cases/{mediation_id}/mediator/accept", w["mediator"]).status_code == 200

    no_reason = _post(client, f"{COURT}/delegations/{d_id}/recall", w["clerk"], {})
    assert no_reason.status_code == 422
    reason = {"reason": "被告申请恢复审理，法院决定撤回委托"}
    recalled = _post(client, f"{COURT}/delegations/{d_id}/recall", w["clerk"], reason, key="j-recall")
    assert recalled.status_code == 200, recalled.get_json()
    replay = _post(client, f"{COURT}/delegations/{d_id}/recall", w["clerk"], reason, key="j-recall")
    assert replay.status_code == 200 and replay.get_json() == recalled.get_json()
    assert (recalled.get_json()["state"], recalled.get_json()["outcome"]) == ("recalled", "withdrawn")
    again = _post(client, f"{COURT}/delegations/{d_id}/recall", w["clerk"], reason, key="j-recall-2")
    assert (again.status_code, again.get_json()["reason"]) == (409, "delegation.not_recallable")

    # The mediator and the organisation are told; the mediation is over for them.
    told = db.session.scalars(select(Notification.user_id).filter_by(kind="delegation_recalled"))
    assert set(told) == {w["mediator"].id, w["admin"].id}
    late = _post(
        client, f"{MP}/cases/{mediation_id}/outcome", w["mediator"], {"result": "failed", "reason": "双方分歧较大"}
    )
    assert (late.status_code, late.get_json()["reason"]) == (409, "case.illegal_transition")
    incoming = client.get(f"{MP}/mediation/delegations", headers=login(w["admin"])).get_json()["items"]
    assert [(i["id"], i["state"]) for i in incoming] == [(d_id, "recalled")]
    body = db.session.scalar(select(WebhookDelivery.body).filter_by(event_type="delegation.recalled"))
    data = json.loads(body)["data"]
    assert (data["state"], data["recall_reason"]) == ("recalled", reason["reason"])


def test_an_unanswered_delegation_expires_by_the_periodic_sweep(client, world):
    w = world
    case = accepted_case(w)
    body = {"case_id": str(case.id), "org_id": str(w["org"].id), "due_date": "2026-11-04"}
    d_id = _post(client, f"{COURT}/delegations", w["clerk"], body).get_json()["id"]
    assert delegation_sweep.delay().get() == 0
    w["clock"].set(dt.datetime(2026, 11, 5, 0, 5, tzinfo=SHANGHAI))
    assert delegation_sweep.delay().get() == 1  # the beat entry's task, as Celery beat or make run's scheduler runs it
    assert delegation_sweep.delay().get() == 0
    listed = client.get(f"{COURT}/delegations", query_string={"state": "expired"}, headers=login(w["clerk"]))
    assert [i["id"] for i in listed.get_json()["items"]] == [d_id]
    assert hooks() == ["delegation.expired", "delegation.sent"]
    assert db.session.scalars(select(Notification.kind).filter_by(user_id=w["admin"].id)).all() == [
        "delegation_expired"
    ]
    late = _post(client, f"{MP}/mediation/delegations/{d_id}/accept", w["admin"])
    assert (late.status_code, late.get_json()["reason"]) == (409, "delegation.expired")
    body["due_date"] = "2026-11-30"
    assert _post(client, f"{COURT}/delegations", w["clerk"], body).status_code == 201  # the court sends it again
