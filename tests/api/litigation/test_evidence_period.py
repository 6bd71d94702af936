"""The evidence period at the service level: bounds per procedure, holiday-aware ends, extensions, lateness."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import TimelineEvent
from app.documents import ServedDocument
from app.documents import push as documents_push
from app.errors import Conflict, Forbidden, NotFound, StorageUnavailable, ValidationFailed
from app.evidence import period as evidence_period
from app.evidence import period_events, period_rules
from app.evidence import uploads as evidence_uploads
from app.evidence.models import EvidenceItem
from app.extensions import db, storage
from app.legal import CalendarNotCovered, calendar_admin
from app.litigation import evidence_period as commands
from app.security import pii
from app.utils.clock import SHANGHAI
from app.webhooks import deliveries as webhook_deliveries
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.litigation.evidence_period_support import accepted_case, declaration, upload
from tests.support import pdf_reader
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court, make_org, make_user
from tests.support.review import principal

SEPT_16 = dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI)  # 15 days end on 10-01, inside National Day


@pytest.mark.parametrize(
    ("procedure", "days", "reason", "refusal"),
    [
        ("ordinary", 14, None, "evidence_period.too_short"),
        ("ordinary", 15, None, None),
        ("ordinary", 30, None, None),
        ("summary", 15, None, None),
        ("summary", 16, None, "evidence_period.too_long"),
        ("small_claims", 7, None, None),
        ("small_claims", 8, None, "evidence_period.reason_required"),
        ("small_claims", 8, "鉴定材料需时", None),
        ("small_claims", 16, "鉴定材料需时", "evidence_period.too_long"),
    ],
)
def test_the_days_must_fit_the_procedure(procedure, days, reason, refusal):
    if refusal is None:
        period_rules.check_days(procedure, days, reason)
        return
    with pytest.raises(ValidationFailed) as caught:
        period_rules.check_days(procedure, days, reason)
    assert caught.value.reason == refusal


def test_an_act_is_late_from_24_00_of_the_last_day():
    ends_at = dt.datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)
    assert not period_rules.is_late(ends_at, ends_at - dt.timedelta(microseconds=1))
    assert period_rules.is_late(ends_at, ends_at)
    assert not period_rules.is_late(None, ends_at)


def test_a_period_ending_on_national_day_rolls_forward_and_says_why(app, clock):
    clock.set(SEPT_16)
    world = accepted_case()
    view = commands.set_period(
        case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=world.principal("clerk")
    )
    assert view["last_day"] == dt.date(2026, 10, 8)
    assert view["ends_at"] == dt.datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)
    assert view["deadline"]["raw_end_date"] == "2026-10-01"
    assert any("期满日顺延，跳过2026-10-07" in line for line in view["deadline"]["explanation"])
    # One notice per party, served through documents as 举证通知书, and on the timeline and the audit log.
    documents = list(db.session.scalars(select(ServedDocument).where(ServedDocument.case_id == world.case.id)))
    assert sorted(d.recipient_party_id for d in documents) == sorted([world.plaintiff.id, world.defendant.id])
    assert {d.doc_type for d in documents} == {"evidence_notice"} and all(
        d.content_type == "application/pdf" for d in documents
    )
    assert sorted(view["notice_document_ids"]) == sorted(str(d.id) for d in documents)
    # The notice itself: a PDF in Chinese naming the party, the case number and the explained end.
    notice = next(d for d in documents if d.recipient_party_id == world.defendant.id)
    text = pdf_reader.text(b"".join(storage.store.iter_chunks(notice.storage_key)))
    for expected in ("举证通知书", "李四", world.case.case_number, "2026-10-08 24:00", "普通程序", "期满日顺延"):
        assert expected in text, expected
    assert db.session.scalar(select(TimelineEvent.type).where(TimelineEvent.type == "evidence_period.set")) is not None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "evidence_period.set")) is not None
    # The boundary: the last second of 10-08 is in time though the raw end (10-01) is long past.
    case = world.case
    clock.set(dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI))
    assert not evidence_period.is_late(case)
    clock.set(dt.datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI))
    assert evidence_period.is_late(case)


def test_an_extension_counts_on_from_the_last_day_and_rolls_past_a_sunday(app, clock):
    clock.set(SEPT_16)
    world = accepted_case()
    commands.set_period(
        case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=world.principal("clerk")
    )
    view = commands.extend(case_id=world.case.id, days=10, reason="鉴定未完成", actor=world.principal("clerk"))
    assert view["last_day"] == dt.date(2026, 10, 19)  # 10-08 + 10 = 10-18, a Sunday
    assert (view["version"], view["extended_days"]) == (2, 10)
    assert view["extensions"][0]["status"] == "granted" and view["extensions"][0]["party_id"] is None
    assert len(view["notice_document_ids"]) == 4  # a second notice to each party


def test_who_may_set_a_period_and_when(app, clock):
    clock.set(SEPT_16)
    world = accepted_case()
    with pytest.raises(Forbidden):  # judges decide late evidence; clerks and the court system serve notices
        commands.set_period(
            case_id=world.case.id, procedure="summary", days=10, reason=None, actor=world.principal("judge")
        )
    stranger = make_user()
    grant(stranger, role="clerk", court=make_court())
    with pytest.raises(NotFound):
        commands.set_period(case_id=world.case.id, procedure="summary", days=10, reason=None, actor=principal(stranger))
    with pytest.raises(Forbidden):
        commands.set_period(
            case_id=world.case.id, procedure="summary", days=10, reason=None, actor=world.principal("plaintiff")
        )
    commands.set_period(
        case_id=world.case.id, procedure="summary", days=10, reason=None, actor=world.principal("clerk")
    )
    with pytest.raises(Conflict) as again:
        commands.set_period(
            case_id=world.case.id, procedure="summary", days=10, reason=None, actor=world.principal("clerk")
        )
    assert again.value.reason == "evidence_period.already_set"


def test_a_mediation_or_unaccepted_case_takes_no_period(app, clock):
    court = make_court()
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    for case in (file_case(court=court, org=make_org()), file_case(kind="litigation", court=court)):
        with pytest.raises(Conflict) as caught:
            commands.set_period(case_id=case.id, procedure="ordinary", days=15, reason=None, actor=principal(clerk))
        assert caught.value.reason == "evidence_period.case_not_open"


def test_a_party_applies_before_the_end_once_at_a_time_and_the_court_decides(app, clock):
    clock.set(SEPT_16)
    world = accepted_case()
    commands.set_period(
        case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=world.principal("clerk")
    )
    applied = evidence_period.apply_for_extension(
        case_id=world.case.id, data={"days": 5, "reason": "证人出差"}, actor=world.principal("defendant")
    )
    assert applied["status"] == "pending" and applied["party_id"] == world.defendant.id
    with pytest.raises(Conflict) as twice:
        evidence_period.apply_for_extension(
            case_id=world.case.id, data={"days": 5, "reason": "再次申请"}, actor=world.principal("defendant")
        )
    assert twice.value.reason == "evidence_period.pending"
    # The plaintiff sees granted extensions and their own applications, not the defendant's pending one.
    assert evidence_period.get(case_id=world.case.id, actor=world.principal("plaintiff"))["extensions"] == []
    refused = commands.decide_extension(
        case_id=world.case.id,
        extension_id=applied["id"],
        granted=False,
        days=None,
        reason="理由不成立",
        actor=world.principal("clerk"),
    )
    assert refused["last_day"] == dt.date(2026, 10, 8) and refused["extensions"][0]["status"] == "refused"
    with pytest.raises(Conflict) as decided:
        commands.decide_extension(
            case_id=world.case.id,
            extension_id=applied["id"],
            granted=True,
            days=None,
            reason="x",
            actor=world.principal("clerk"),
        )
    assert decided.value.reason == "evidence_period.extension_decided"
    clock.set(dt.datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI))
    with pytest.raises(Conflict) as ended:
        evidence_period.apply_for_extension(
            case_id=world.case.id, data={"days": 5, "reason": "太晚"}, actor=world.principal("defendant")
        )
    assert ended.value.reason == "evidence_period.ended"


def test_late_evidence_needs_a_reason_and_waits_for_the_court(app, clock):
    clock.set(SEPT_16)
    world = accepted_case()
    commands.set_period(
        case_id=world.case.id, procedure="summary", days=10, reason=None, actor=world.principal("clerk")
    )
    in_time = evidence_uploads.request_upload(
        case_id=world.case.id, data=declaration("借条"), actor=world.principal("plaintiff")
    )
    assert db.session.get_one(EvidenceItem, in_time.evidence_id).late is False
    clock.set(dt.datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI))  # 09-26 is the raw end: a Saturday, then National Day
    with pytest.raises(ValidationFailed) as no_reason:
        evidence_uploads.request_upload(
            case_id=world.case.id, data=declaration("收据"), actor=world.principal("plaintiff")
        )
    assert no_reason.value.reason == "evidence.late_reason_required"
    late = evidence_uploads.request_upload(
        case_id=world.case.id, data=declaration("收据", late_reason="新发现的证据"), actor=world.principal("plaintiff")
    )
    item = db.session.get_one(EvidenceItem, late.evidence_id)
    assert (item.late, item.late_reason, item.late_decision) == (True, "新发现的证据", "pending")


def test_evidence_closes_once_the_case_is_adjudicated(app, clock):
    world = accepted_case()
    world.case.status = "adjudicated"
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        evidence_uploads.request_upload(
            case_id=world.case.id, data=declaration("借条"), actor=world.principal("plaintiff")
        )
    assert caught.value.reason == "evidence.case_closed"


def test_the_court_system_hears_of_applications_and_late_evidence(app, client, clock, monkeypatch):
    monkeypatch.setattr(webhook_deliveries, "dispatch", lambda ids: None)  # recorded, not sent (no receiver)
    clock.set(SEPT_16)
    world = accepted_case()
    db.session.add(
        WebhookSubscription(
            court_id=world.court.id,
            url="https://court.invalid/hooks",
            events=list(period_events.WEBHOOK_EVENTS),
            secret_enc=pii.encrypt("s" * 32, field=webhook_deliveries.SECRET_FIELD),
            created_by="test",
        )
    )
    db.session.commit()
    commands.set_period(
        case_id=world.case.id, procedure="summary", days=10, reason=None, actor=world.principal("clerk")
    )
    evidence_period.apply_for_extension(
        case_id=world.case.id, data={"days": 3, "reason": "证人出差"}, actor=world.principal("defendant")
    )
    clock.set(dt.datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI))
    upload(client, world.case.id, world.headers("plaintiff"), "收据", late_reason="新发现")
    bodies = [
        json.loads(row.body) for row in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at))
    ]
    assert [body["type"] for body in bodies] == ["evidence_period.extension_applied", "evidence.late_submitted"]
    assert bodies[1]["data"]["title"] == "收据" and bodies[1]["data"]["case_number"] == world.case.case_number


def test_a_notice_that_could_not_be_served_is_served_again_to_that_party_only(app, client, clock, monkeypatch):
    clock.set(SEPT_16)
    world = accepted_case()
    real_push = documents_push.push

    def store_down_for_the_defendant(**kwargs):
        if kwargs["meta"]["recipient_party_id"] == world.defendant.id:
            raise StorageUnavailable()
        return real_push(**kwargs)

    monkeypatch.setattr(documents_push, "push", store_down_for_the_defendant)
    set_ = client.post(
        f"/api/court/v1/cases/{world.case.id}/evidence-period",
        json={"procedure": "ordinary", "days": 15},
        headers=world.headers("clerk"),
    )
    assert set_.status_code == 201 and set_.get_json()["notices_missing"] == [str(world.defendant.id)]
    monkeypatch.setattr(documents_push, "push", real_push)
    # Another clerk of the court re-serves: only the defendant gets a notice, the plaintiff's is not doubled.
    other_clerk = make_user()
    grant(other_clerk, role="clerk", court=world.court)
    again = client.post(f"/api/court/v1/cases/{world.case.id}/evidence-period/notices", headers=login(other_clerk))
    assert again.status_code == 200 and again.get_json()["notices_missing"] == []
    recipients = sorted(
        db.session.scalars(select(ServedDocument.recipient_party_id).where(ServedDocument.case_id == world.case.id))
    )
    assert recipients == sorted([world.plaintiff.id, world.defendant.id])
    assert len(again.get_json()["notice_document_ids"]) == 2
    # The parties' own view never lists it.
    mine = client.get(f"/api/mp/v1/cases/{world.case.id}/evidence-period", headers=world.headers("plaintiff"))
    assert mine.get_json()["notices_missing"] == []


def test_across_the_year_end_the_period_waits_for_next_years_calendar(app, clock):
    world = accepted_case()
    clerk = world.principal("clerk")
    clock.set(dt.datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI))  # 15 days end 2027-01-04, beyond the built-in data
    with pytest.raises(CalendarNotCovered) as caught:
        commands.set_period(case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=clerk)
    assert caught.value.reason == "legal.calendar_not_covered"
    assert evidence_period.current(world.case.id) is None  # nothing recorded, no notice served
    assert db.session.scalar(select(ServedDocument.id).where(ServedDocument.case_id == world.case.id)) is None
    # An administrator enters 2027 (元旦 1-3 January): the raw end, Monday 4 January, is a working day.
    admin = make_user()
    grant(admin, role="platform_admin")
    holidays = [{"day": f"2027-01-0{day}", "name": "元旦"} for day in (1, 2, 3)]
    calendar_admin.import_year(2027, holidays, [], principal(admin))
    view = commands.set_period(case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=clerk)
    assert view["last_day"] == dt.date(2027, 1, 4) and view["deadline"]["calendar_covered"] is True


def test_a_period_ending_on_new_years_eve_is_covered_by_this_years_calendar(app, clock):
    world = accepted_case()
    clock.set(dt.datetime(2026, 12, 16, 10, 0, tzinfo=SHANGHAI))
    view = commands.set_period(
        case_id=world.case.id, procedure="ordinary", days=15, reason=None, actor=world.principal("clerk")
    )
    assert view["last_day"] == dt.date(2026, 12, 31)
    assert view["ends_at"] == dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)
