"""Service by other means (直接, 留置, 邮寄, 公告送达): a party served outside the platform counts as served.

The defendant never consented to e-service, so the judgment pushed to them is held for a clerk; the clerk records the
postal service (or an announcement) on the document; the defendant's appeal period runs from that service and the
legal-effect sweep makes the judgment effective after it. Service level first, then over HTTP.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.documents import ServedDocument, certificate, other_service
from app.documents import chain as delivery_chain
from app.documents.models import WorkItem
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import celery, db
from app.litigation import court_actions
from app.litigation.models import LitigationDecision
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.litigation.support import COURT, accepted_case, status_of, timeline_types
from tests.api.litigation.test_races import THREADS, _together
from tests.api.litigation.test_transitions import serve
from tests.api.service.support import consent
from tests.support.factories import grant, make_court, make_user
from tests.support.review import principal


def _at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)


def _held_judgment(clock, at: dt.datetime):
    """A judgment served on the plaintiff electronically; the defendant's copy held (no e-service consent)."""
    clock.set(at)
    world = accepted_case()
    consent(world.defendant, by=world.defendant.user_id, given=False)  # the defendant declines e-service
    court_actions.record_decision(case_id=world.case.id, actor=world.principal("judge"), closing_method="judgment")
    serve(world, world.plaintiff)
    held = serve(world, world.defendant)
    assert held["status"] == "held" and held["served_at"] is None
    return world, held


def _decision(world) -> LitigationDecision:
    db.session.expire_all()
    return db.session.scalars(select(LitigationDecision).where(LitigationDecision.case_id == world.case.id)).one()


def test_a_postal_service_lets_the_appeal_period_run_and_the_judgment_take_effect(client, clock):
    world, held = _held_judgment(clock, _at(2026, 11, 2, 9, 0))  # a Monday
    assert status_of(world.case.id) == "adjudicated" and _decision(world).appeal_ends_at is None  # waits
    clock.set(_at(2026, 11, 6, 15, 0))
    view = other_service.record(
        document_id=held["document_id"],
        method="by_post",
        served_at=_at(2026, 11, 5, 10, 0),  # the date on the returned postal receipt
        note="EMS 1234567890",
        actor=world.principal("clerk"),
    )
    assert view["served_basis"] == "by_post" and view["status"] == "failed"
    assert view["served_at"] == _at(2026, 11, 5, 10, 0)
    assert view["deadline"]["last_day"] == "2026-11-20" and "邮寄送达" in view["deadline"]["trigger"]["label"]
    assert view["chain"]["valid"] and view["events"][-1]["type"] == "served_otherwise"
    assert view["events"][-1]["data"]["method_label"] == "邮寄送达"
    document = db.session.get_one(ServedDocument, held["document_id"])
    assert delivery_chain.verify_document(document, delivery_chain.events_of(document.id)) is None
    item = db.session.scalars(select(WorkItem).where(WorkItem.document_id == document.id)).one()
    assert item.status == "resolved" and item.outcome == "served_by_post"
    # the defendant's period (to 11-20) is the later one: the decision waits for it
    assert _decision(world).appeal_ends_at == _at(2026, 11, 21).astimezone(dt.UTC)
    types = timeline_types(world.case.id)
    assert "document.served_otherwise" in types and types.count("document.served") == 2
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "document.served_otherwise"))
    assert len(list(audited)) == 1
    # the certificate names the method and the time of service
    data = certificate.certificate_data(document)
    fields = dict(data.fields)
    assert fields["送达方式"] == "邮寄送达" and fields["视为送达时间"].startswith("2026-11-05 10:00:00（邮寄送达")
    assert any(label == "以其他方式送达" and "EMS 1234567890" in detail for _at_, label, detail in data.events)

    clock.set(_at(2026, 11, 20, 23, 0))
    assert celery.tasks["microcourt.litigation.effect_sweep"].apply().get() == 0
    clock.set(_at(2026, 11, 21, 0, 5))
    assert celery.tasks["microcourt.litigation.effect_sweep"].apply().get() == 1
    assert status_of(world.case.id) == "effective"


def test_an_announcement_is_deemed_served_thirty_days_on_through_the_deadline_engine(client, clock):
    world, held = _held_judgment(clock, _at(2026, 9, 1, 9, 0))
    clock.set(_at(2026, 9, 2, 9, 0))
    # announced 2026-09-02: 30 days end on 10-02, inside National Day (10-01..10-08): deemed served 10-08
    view = other_service.record(
        document_id=held["document_id"],
        method="announcement",
        announced_at=_at(2026, 9, 2, 9, 0),
        actor=world.principal("clerk"),
    )
    assert view["served_at"] == _at(2026, 10, 8, 23, 59, 59)
    period = view["events"][-1]["data"]["announcement_period"]
    assert period["raw_end_date"] == "2026-10-02" and period["last_day"] == "2026-10-08"
    assert view["deadline"]["trigger"]["date"] == "2026-10-08" and view["deadline"]["last_day"] == "2026-10-23"


def test_who_may_record_it_and_when(client, clock):
    world, held = _held_judgment(clock, _at(2026, 11, 2, 9, 0))
    at = _at(2026, 11, 3, 9, 0)
    clock.set(_at(2026, 11, 4, 9, 0))
    with pytest.raises(Forbidden):  # a judge reads the case but serving is the clerk's
        other_service.record(
            document_id=held["document_id"], method="in_person", served_at=at, actor=world.principal("judge")
        )
    stranger = make_user()
    grant(stranger, role="clerk", court=make_court())
    with pytest.raises(NotFound):
        other_service.record(
            document_id=held["document_id"], method="in_person", served_at=at, actor=principal(stranger)
        )
    for wrong in (_at(2026, 11, 5, 9, 0), _at(2026, 10, 1, 9, 0)):  # in the future; before the document existed
        with pytest.raises(ValidationFailed):
            other_service.record(
                document_id=held["document_id"], method="lodged", served_at=wrong, actor=world.principal("clerk")
            )
    with pytest.raises(ValidationFailed):
        other_service.record(
            document_id=held["document_id"], method="announcement", served_at=at, actor=world.principal("clerk")
        )
    other_service.record(document_id=held["document_id"], method="lodged", served_at=at, actor=world.principal("clerk"))
    with pytest.raises(Conflict) as twice:
        other_service.record(
            document_id=held["document_id"], method="in_person", served_at=at, actor=world.principal("clerk")
        )
    assert twice.value.reason == "document.already_served"
    served_electronically = db.session.scalars(
        select(ServedDocument.id).where(ServedDocument.recipient_party_id == world.plaintiff.id)
    ).one()
    with pytest.raises(Conflict):
        other_service.record(
            document_id=served_electronically, method="in_person", served_at=at, actor=world.principal("clerk")
        )


def test_over_http(client, clock):
    world, held = _held_judgment(clock, _at(2026, 11, 2, 9, 0))
    clock.set(_at(2026, 11, 4, 9, 0))
    subscribe = {"url": "http://127.0.0.1:9/hooks", "events": ["*"]}
    assert client.post(f"{COURT}/webhooks", json=subscribe, headers=world.headers("machine")).status_code == 201
    url = f"{COURT}/documents/{held['document_id']}/other-service"
    body = {"method": "in_person", "served_at": "2026-11-03T10:00:00+08:00", "note": "本人签收送达回证"}
    missing = client.post(url, json={"method": "announcement"}, headers=world.headers("clerk"))
    assert missing.status_code == 422 and "announced_at" in missing.get_json()["errors"]
    bad = client.post(url, json={"method": "by_pigeon", "served_at": body["served_at"]}, headers=world.headers("clerk"))
    assert bad.status_code == 422
    assert client.post(url, json=body, headers=world.headers("judge")).status_code == 403
    assert client.post(url, json=body, headers=world.headers("defendant")).status_code in (403, 404)
    headers = {**world.headers("clerk"), "Idempotency-Key": "paper-1"}
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["served_basis"] == "in_person" and first.get_json()["deadline"]["last_day"] == "2026-11-18"
    assert client.post(url, json=body, headers=headers).get_json() == first.get_json()  # the retry
    assert "document.served_otherwise" in set(db.session.scalars(select(WebhookDelivery.event_type)))
    again = client.post(url, json=body, headers=world.headers("clerk"))
    assert again.status_code == 409 and again.get_json()["reason"] == "document.already_served"
    pdf = client.get(f"{COURT}/documents/{held['document_id']}/certificate.pdf", headers=world.headers("clerk"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_recorded_at_once_by_several_clerks_it_is_recorded_once(app, client, clock):
    world, held = _held_judgment(clock, _at(2026, 11, 2, 9, 0))
    clock.set(_at(2026, 11, 4, 9, 0))
    headers = world.headers("clerk")
    url = f"{COURT}/documents/{held['document_id']}/other-service"
    body = {"method": "by_post", "served_at": "2026-11-03T10:00:00+08:00"}
    answers = _together(app, lambda: app.test_client().post(url, json=body, headers=headers))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * (THREADS - 1), [answer.get_json() for answer in answers]
    assert {a.get_json()["reason"] for a in answers if a.status_code == 409} == {"document.already_served"}
    db.session.expire_all()
    document = db.session.get_one(ServedDocument, held["document_id"])
    events = [event.type for event in delivery_chain.events_of(document.id)]
    assert events.count("served_otherwise") == 1
    assert timeline_types(world.case.id).count("document.served_otherwise") == 1
