"""The end of the mediation period (issue 14, item 4): extended once by every party's agreement, else closed."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.mediation.models import MediatorAssignment
from app.mediation.tasks import clock_sweep
from app.notifications.models import Notification
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.mediation.helpers_outcome import MP, dispute, events, mediator, offer, status_of
from tests.support.factories import grant, login, make_court, make_org, make_user

ACCEPTED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
DUE = dt.datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI)  # 30 days after 2026-11-02, at 24:00


@pytest.fixture
def running(app, client, clock):
    """A dispute brought to a court, accepted by a mediator of a linked organisation on 2026-11-02 10:00."""
    clock.set(ACCEPTED)
    org, court = make_org(), make_court()
    admin = make_user()
    grant(admin, role="org_admin", org=org)
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=org, court=court, filer=filer, respondent=respondent)
    med, profile = mediator(org)
    offer(case, profile, case_status="assigned")
    assert client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med)).status_code == 200
    db.session.add(
        WebhookSubscription(
            court_id=court.id, url="https://court.example/hook", events=["*"], secret_enc="x", created_by="t"
        )
    )
    db.session.commit()
    return {"case": case, "filer": filer, "respondent": respondent, "mediator": med, "admin": admin}


def _agree(client, w, who, days):
    return client.post(
        f"{MP}/cases/{w['case'].id}/mediation-period/extension", json={"days": days}, headers=login(w[who])
    )


def _types(w):
    return [e.type for e in events(w["case"].id)]


def test_without_agreement_the_mediation_closes_as_failed_once_and_everyone_is_told(client, clock, running):
    clock.set(DUE - dt.timedelta(seconds=1))
    clock_sweep()
    assert status_of(running["case"].id) == "mediator_accepted"
    clock.set(DUE)
    clock_sweep()
    assert status_of(running["case"].id) == "failed"
    case = db.session.get(Case, running["case"].id)
    assert case.outcome == "failed"
    assert _types(running)[-2:] == ["mediation.started", "mediation.period_expired"]
    told = {n.user_id for n in db.session.scalars(select(Notification).filter_by(kind="mediation_period_ended"))}
    assert told == {running[k].id for k in ("filer", "respondent", "mediator", "admin")}
    hooks = db.session.scalars(select(WebhookDelivery).filter_by(event_type="mediation.period_ended")).all()
    assert len(hooks) == 1
    clock.set(DUE + dt.timedelta(hours=1))
    clock_sweep()  # again: nothing more
    assert _types(running).count("mediation.period_expired") == 1
    assert len(db.session.scalars(select(Notification).filter_by(kind="mediation_period_ended")).all()) == 4


def test_every_party_agreeing_extends_once_by_the_smallest_agreed_days_then_it_closes(client, clock, running):
    clock.set(DUE - dt.timedelta(days=2))
    first = _agree(client, running, "filer", 15)
    assert first.status_code == 200 and first.get_json()["agreed_days"] is None
    second = _agree(client, running, "respondent", 10)
    assert second.status_code == 200 and second.get_json()["agreed_days"] == 10
    clock.set(DUE)
    clock_sweep()
    assert status_of(running["case"].id) == "mediator_accepted"
    row = db.session.scalar(select(MediatorAssignment).filter_by(case_id=running["case"].id, status="accepted"))
    new_due = DUE + dt.timedelta(days=10)
    assert row.due_at == new_due and row.warned_at is None and row.warn_at == new_due - dt.timedelta(days=5)
    assert "mediation.period_extended" in _types(running)
    body = client.get(f"{MP}/cases/{running['case'].id}/mediation-period", headers=login(running["filer"])).get_json()
    assert (body["extended_days"], body["due_at"]) == (10, new_due.isoformat())
    again = _agree(client, running, "filer", 5)
    assert (again.status_code, again.get_json()["reason"]) == (409, "mediation.already_extended")
    clock_sweep()  # the same moment again: the new end has not come
    assert status_of(running["case"].id) == "mediator_accepted"
    clock.set(new_due)
    clock_sweep()  # only once: now it closes
    assert status_of(running["case"].id) == "failed"


def test_one_party_alone_cannot_extend(client, clock, running):
    clock.set(DUE - dt.timedelta(days=1))
    assert _agree(client, running, "filer", 30).status_code == 200
    clock.set(DUE)
    clock_sweep()
    assert status_of(running["case"].id) == "failed"


@pytest.mark.parametrize(
    ("who", "days", "status", "reason"),
    [
        ("mediator", 10, 403, "mediation.not_a_party"),
        ("filer", 0, 422, None),
        ("filer", 31, 422, None),
    ],
)
def test_who_may_agree_and_how_long(client, clock, running, who, days, status, reason):
    response = _agree(client, running, who, days)
    assert response.status_code == status, response.get_json()
    if reason:
        assert response.get_json()["reason"] == reason


def test_no_agreement_after_the_period_ran_out(client, clock, running):
    clock.set(DUE)
    response = _agree(client, running, "filer", 10)
    assert (response.status_code, response.get_json()["reason"]) == (409, "mediation.period_over")
