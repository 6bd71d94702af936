"""The mediation clock: it starts at acceptance, ends at 24:00 Asia/Shanghai, and warns once before the end."""

import datetime as dt
import itertools
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mediation import deadlines as mediation_deadlines
from app.mediation.models import MediatorAssignment
from app.mediation.tasks import clock_sweep
from app.sms.models import SmsMessage
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_outcome import MP, dispute, events, mediator, offer
from tests.conftest import is_postgres
from tests.support.factories import login, make_org

PHONES = itertools.count(1111)


def _accept(client, clock, at: dt.datetime, *, phone: str | None = "next"):
    clock.set(at)
    phone = f"1390000{next(PHONES):04d}" if phone == "next" else phone
    org = make_org()
    case = dispute(org=org)
    med, profile = mediator(org, phone=phone)
    offer(case, profile, case_status="assigned")
    response = client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med))
    assert response.status_code == 200, response.get_json()
    return case, response.get_json()


@pytest.mark.parametrize(
    ("accepted_local", "due_local"),
    [
        (dt.datetime(2026, 11, 2, 23, 59, 59), dt.datetime(2026, 12, 3, 0, 0)),  # late evening counts as that day
        (dt.datetime(2026, 11, 3, 0, 0, 0), dt.datetime(2026, 12, 4, 0, 0)),  # midnight starts the next day
        (dt.datetime(2026, 11, 3, 7, 59), dt.datetime(2026, 12, 4, 0, 0)),  # 23:59 UTC the day before
    ],
)
def test_the_period_ends_at_midnight_shanghai_of_the_thirtieth_day(client, clock, accepted_local, due_local):
    _case, body = _accept(client, clock, accepted_local.replace(tzinfo=SHANGHAI))
    due = dt.datetime.fromisoformat(body["mediation_due_at"])
    assert due == due_local.replace(tzinfo=SHANGHAI)
    warn = dt.datetime.fromisoformat(body["mediation_warn_at"])
    assert due - warn == dt.timedelta(days=5)


def test_the_period_and_warning_follow_the_configuration(app, client, clock):
    app.config.update(MEDIATION_DAYS=10, MEDIATION_WARN_DAYS=2)
    _case, body = _accept(client, clock, dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    assert dt.datetime.fromisoformat(body["mediation_due_at"]) == dt.datetime(2026, 11, 13, tzinfo=SHANGHAI)
    assert dt.datetime.fromisoformat(body["mediation_warn_at"]) == dt.datetime(2026, 11, 11, tzinfo=SHANGHAI)


def _sms_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(SmsMessage).where(SmsMessage.template == "mediation_deadline")
    )


def test_the_warning_comes_once_at_its_time(client, clock):
    case, body = _accept(client, clock, dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    warn_at = dt.datetime.fromisoformat(body["mediation_warn_at"])
    clock.set(warn_at - dt.timedelta(seconds=1))
    assert clock_sweep.delay().get() == 0
    assert _sms_count() == 0
    clock.set(warn_at)
    assert clock_sweep.delay().get() == 1
    assert clock_sweep.delay().get() == 0  # run again: nothing new
    clock.advance(days=1)
    assert mediation_deadlines.send_due_warnings() == 0
    warnings = [e for e in events(case.id) if e.type == "mediation.deadline_warning"]
    assert len(warnings) == 1 and warnings[0].actor_role == "system"
    assert warnings[0].data["due_at"] == "2026-12-03T00:00:00+08:00"
    message = db.session.scalar(select(SmsMessage).where(SmsMessage.template == "mediation_deadline"))
    assert message.status == "sent" and "2026-12-02" in message.text and message.phone_masked.startswith("139****")


def test_no_warning_when_the_mediation_is_over_or_the_mediator_has_no_phone(client, clock):
    case, body = _accept(client, clock, dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    db.session.get(type(case), case.id).status = "settled"
    db.session.commit()
    quiet, _quiet_body = _accept(client, clock, dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), phone=None)
    clock.set(dt.datetime.fromisoformat(body["mediation_warn_at"]))
    assert mediation_deadlines.send_due_warnings() == 1  # only the running one without a phone
    assert _sms_count() == 0
    assert [e.type for e in events(quiet.id)].count("mediation.deadline_warning") == 1
    assert [e.type for e in events(case.id)].count("mediation.deadline_warning") == 0


def test_in_mediation_cases_are_warned_too_and_the_detail_shows_the_deadline(client, clock):
    case, body = _accept(client, clock, dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    db.session.get(type(case), case.id).status = "in_mediation"
    db.session.commit()
    clock.set(dt.datetime.fromisoformat(body["mediation_warn_at"]) + dt.timedelta(hours=1))
    assert mediation_deadlines.send_due_warnings() == 1
    assignment = db.session.scalar(select(MediatorAssignment).filter_by(case_id=case.id))
    assert assignment.warned_at is not None


def test_concurrent_sweeps_warn_once(app, client, clock, database_url):
    if not is_postgres(database_url):
        pytest.skip("SQLite serialises every writer; the race needs PostgreSQL's row locks to be meaningful")
    cases = [_accept(client, clock, dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))[0] for _ in range(5)]
    clock.set(dt.datetime(2026, 11, 28, 1, 0, tzinfo=SHANGHAI))
    results, barrier = [], threading.Barrier(4)

    def sweep():
        with app.app_context():
            barrier.wait()
            results.append(mediation_deadlines.send_due_warnings())
            db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 5
    for case in cases:
        assert [e.type for e in events(case.id)].count("mediation.deadline_warning") == 1
    assert _sms_count() == 5
