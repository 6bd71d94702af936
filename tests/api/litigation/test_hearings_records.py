"""What a hearing leaves behind besides itself: webhooks, the audit log, summons that could not be made; and the
one schedule for a judge who also mediates."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.scheduling import summons as hearing_summons
from app.webhooks import WebhookDelivery, WebhookSubscription
from tests.support.factories import grant, login, make_org
from tests.support.hearings import COURT, book, trial
from tests.support.scheduling import book as book_session
from tests.support.scheduling import local, mediation_case

DAY = "2026-11-10"


def test_court_systems_hear_of_hearings_and_the_audit_log_keeps_them(client, clock):
    t = trial()
    db.session.add(
        WebhookSubscription(
            court_id=t.court.id,
            url="https://court.example/hook",
            events=["hearing.scheduled", "hearing.postponed"],
            secret_enc="x",
            created_by="t",
        )
    )
    db.session.commit()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    later = {"starts_at": local(DAY, "14:00"), "ends_at": local(DAY, "15:00"), "reason": "法官临时公务"}
    client.post(f"{COURT}/hearings/{hearing['id']}/postpone", json=later, headers=login(t.clerk))
    client.post(f"{COURT}/hearings/{hearing['id']}/cancel", json={"reason": "撤诉"}, headers=login(t.clerk))
    types = sorted(db.session.scalars(select(WebhookDelivery.event_type)))
    assert types == ["hearing.postponed", "hearing.scheduled"]  # not subscribed to cancellations
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "hearing")))
    assert actions == {"hearing.scheduled", "hearing.postponed", "hearing.cancelled"}


def test_a_hearing_cancelled_because_the_case_ended_is_announced(client, clock):
    from app.cases import lifecycle
    from app.cases.models import Case

    t = trial()
    subscription = WebhookSubscription(
        court_id=t.court.id,
        url="https://court.example/hook",
        events=["hearing.cancelled"],
        secret_enc="x",
        created_by="t",
    )
    db.session.add(subscription)
    db.session.commit()
    book(client, t, local(DAY, "09:00"), local(DAY, "10:00"))
    lifecycle.transition(db.session.get(Case, t.case.id), "closed", actor=None, actor_role="system")
    db.session.commit()
    assert list(db.session.scalars(select(WebhookDelivery.event_type))) == ["hearing.cancelled"]


def test_a_summons_that_cannot_be_made_leaves_the_hearing_booked_and_says_why(client, clock, monkeypatch):
    t = trial()

    def broken(*args, **kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr(hearing_summons, "render", broken)
    response = book(client, t, local(DAY, "09:00"), local(DAY, "10:00"))
    assert response.status_code == 201, response.get_json()
    rows = response.get_json()["summons"]
    assert len(rows) == 2 and all(r["document_id"] is None and "font missing" in r["error"] for r in rows)
    assert response.get_json()["status"] == "scheduled"


def test_a_judge_who_also_mediates_is_not_in_two_places(client, clock):
    t = trial()
    org = make_org()
    grant(t.judge, role="mediator", org=org)  # court-annexed mediation: the judge mediates a dispute too
    dispute = mediation_case(mediator_user=t.judge)
    assert book_session(client, dispute, t.judge, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    response = book(client, t, local(DAY, "09:30"), local(DAY, "10:30"))
    assert response.status_code == 409
    assert response.get_json()["errors"]["double_booked"] == [
        {"role": "judge", "party_role": None, "name": "孙**", "reasons": ["session"]}
    ]
