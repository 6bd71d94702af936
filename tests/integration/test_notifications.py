"""Session reminders through the notification path: WeChat when granted, SMS otherwise, exactly once, nothing lost.

Against the fake WeChat server on 127.0.0.1 and the console SMS gateway (its outbox rows are the provider's
answers); the jobs run eagerly, as in the embedded default, and are called the way Celery beat calls them.
"""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.identity.models import SubscriptionGrant
from app.notifications import dispatch as notifications
from app.notifications.models import Notification, NotificationAttempt
from app.notifications.tasks import sweep_notifications
from app.scheduling import reminders as mediation_sessions_reminders
from app.scheduling.models import SessionReminder
from app.scheduling.tasks import send_due_reminders
from app.security import pii
from app.sms.models import SmsMessage
from app.utils import clock as clock_module
from tests.support.factories import login
from tests.support.scheduling import MP, book, local, mediation_case, mediator, parse, person

TEMPLATE = "tpl-session-reminder"
DAY = "2026-11-10"


@pytest.fixture
def setting(app, client, clock, wechat):
    """A booked session 2026-11-10 09:00 Shanghai: the mediator has WeChat and one grant, the filer only a phone."""
    app.config["NOTIFICATION_WECHAT_TEMPLATES"] = f"document_served:tpl-other,session_reminder:{TEMPLATE}"
    med = mediator()
    med.wechat_openid = "o-mediator"
    db.session.commit()
    granted = client.post(
        f"{MP}/me/subscriptions", json={"template_id": TEMPLATE, "accepted": True}, headers=login(med)
    )
    assert granted.status_code == 201
    filer = person("张三")
    case = mediation_case(mediator_user=med, filer=filer, title="张三诉李四民间借贷纠纷")
    session = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00"), mode="in_person", location="北仑调解室")
    assert session.status_code == 201
    return {"mediator": med, "filer": filer, "case": case, "session": session.get_json()}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def grants_left(user) -> int:
    return sum(db.session.scalars(select(SubscriptionGrant.remaining).where(SubscriptionGrant.user_id == user.id)))


def attempts(channel=None) -> list[NotificationAttempt]:
    query = select(NotificationAttempt).order_by(NotificationAttempt.created_at)
    rows = db.session.scalars(query).all()
    return [a for a in rows if channel is None or a.channel == channel]


def sms_to(user) -> list[SmsMessage]:
    return db.session.scalars(select(SmsMessage).where(SmsMessage.phone_index == user.phone_index)).all()


def test_reminders_go_by_wechat_when_granted_and_by_sms_otherwise(setting, clock, wechat):
    med, filer = setting["mediator"], setting["filer"]
    clock.set(parse(local("2026-11-09", "09:00")))  # 24 h before
    assert send_due_reminders.delay().get() == 2
    db.session.expire_all()
    [message] = wechat.sent_messages
    assert message["touser"] == "o-mediator" and message["template_id"] == TEMPLATE
    assert message["page"] == f"pages/session/detail?id={setting['session']['id']}"
    assert message["data"] == {
        "thing1": {"value": "张三诉李四民间借贷纠纷"},
        "time2": {"value": "2026年11月10日 09:00"},
        "thing3": {"value": "现场调解 北仑调解室"},
    }
    assert grants_left(med) == 0
    [sms] = sms_to(filer)
    assert sms.template == "session_reminder" and sms.status == "sent"
    assert "2026年11月10日 09:00" in sms.text
    assert sms_to(med) == []
    wechat_attempt, sms_attempt = attempts("wechat"), attempts("sms")
    assert [(a.outcome, a.provider, a.provider_code) for a in wechat_attempt] == [("sent", "wechat", "0")]
    assert [(a.outcome, a.provider, a.sms_message_id) for a in sms_attempt] == [("sent", "console", sms.id)]
    notes = db.session.scalars(select(Notification)).all()
    assert {(n.user_id, n.status, n.channel) for n in notes} == {(med.id, "sent", "wechat"), (filer.id, "sent", "sms")}
    phone = pii.decrypt(filer.phone_enc, field="phone")[3:]
    for table in ("notifications", "notification_attempts", "session_reminders"):
        stored = " ".join(str(v) for row in db.session.execute(text(f"SELECT * FROM {table}")) for v in row)
        assert phone not in stored and phone[-8:] not in stored, table
    # running again sends nothing more: the reminders are handed over, the notifications are sent
    assert send_due_reminders.delay().get() == 0
    assert sweep_notifications.delay().get() == 0
    assert len(wechat.sent_messages) == 1 and count(SmsMessage) == 1
    # one hour before: the grant is spent, so the mediator is reminded by SMS this time
    clock.set(parse(local(DAY, "08:00")))
    assert send_due_reminders.delay().get() == 2
    assert len(wechat.sent_messages) == 1 and len(sms_to(med)) == 1 and len(sms_to(filer)) == 2


def test_a_refused_subscribe_message_falls_back_to_sms(setting, clock, wechat):
    med = setting["mediator"]
    wechat.refusing_users.add("o-mediator")
    clock.set(parse(local("2026-11-09", "09:00")))
    send_due_reminders.delay()
    db.session.expire_all()
    assert wechat.sent_messages == []
    [refused] = attempts("wechat")
    assert (refused.outcome, refused.provider_code) == ("refused", "43101")
    assert "refuse" in refused.provider_message
    assert grants_left(med) == 0  # WeChat says the grant is gone: it is not given back
    assert [m.status for m in sms_to(med)] == ["sent"]
    assert db.session.scalar(select(Notification).where(Notification.user_id == med.id)).channel == "sms"


def test_a_wechat_outage_gives_the_grant_back_and_sends_sms(setting, clock, wechat):
    med = setting["mediator"]
    wechat.raw_answer = (502, b"bad gateway", "text/plain")
    clock.set(parse(local("2026-11-09", "09:00")))
    send_due_reminders.delay()
    db.session.expire_all()
    [failed] = attempts("wechat")
    assert failed.outcome == "error" and failed.provider_code == "wechat.unavailable"
    assert grants_left(med) == 1
    assert [m.status for m in sms_to(med)] == ["sent"]


def _written_not_sent(user, *, status="pending", claimed_ago=None):
    """A notification as a crashed worker leaves it: written (and maybe claimed), never finished."""
    note = notifications.notify(
        user_id=user.id,
        kind="session_reminder",
        data={"session_id": "s", "case_title": "测试案件", "starts_at": "2026-11-10T09:00:00+08:00", "mode": "phone"},
    )
    if claimed_ago is not None:
        note.status, note.claims = "sending", 1
        note.claimed_at = clock_module.now() - claimed_ago
    db.session.commit()
    return note.id


def test_a_row_never_enqueued_is_delivered_by_the_sweep_once(setting, clock, wechat):
    note_id = _written_not_sent(setting["mediator"])
    assert sweep_notifications.delay().get() == 0  # still within the grace time: its own job may be on the way
    clock.advance(seconds=121)
    assert sweep_notifications.delay().get() == 1
    assert sweep_notifications.delay().get() == 0
    db.session.expire_all()
    assert db.session.get(Notification, note_id).status == "sent" and len(wechat.sent_messages) == 1


def test_a_row_claimed_by_a_dead_worker_is_taken_over_once(setting, clock, wechat):
    note_id = _written_not_sent(setting["mediator"], claimed_ago=dt.timedelta(seconds=0))
    assert notifications.deliver(note_id) == "sending"  # a live claim is not stolen
    assert sweep_notifications.delay().get() == 0
    clock.advance(seconds=301)
    assert sweep_notifications.delay().get() == 1
    db.session.expire_all()
    note = db.session.get(Notification, note_id)
    assert (note.status, note.channel, note.claims) == ("sent", "wechat", 2)
    assert notifications.deliver(note_id) == "sent"  # a late duplicate job does nothing
    assert sweep_notifications.delay().get() == 0
    assert len(wechat.sent_messages) == 1


def test_a_wechat_send_in_doubt_is_not_repeated_and_sms_follows(setting, clock, wechat):
    """The worker died during the WeChat call: it may have arrived; WeChat is not asked again, SMS makes sure."""
    med = setting["mediator"]
    note_id = _written_not_sent(med, claimed_ago=dt.timedelta(minutes=10))
    grant = db.session.scalars(select(SubscriptionGrant).where(SubscriptionGrant.user_id == med.id)).one()
    grant.remaining = 0
    db.session.add(NotificationAttempt(notification_id=note_id, channel="wechat", outcome="started", grant_id=grant.id))
    db.session.commit()
    assert sweep_notifications.delay().get() == 1
    db.session.expire_all()
    assert wechat.sent_messages == []
    assert [a.outcome for a in attempts("wechat")] == ["unknown"]
    assert [m.status for m in sms_to(med)] == ["sent"]
    assert db.session.get(Notification, note_id).channel == "sms"


def test_someone_without_wechat_or_phone_is_marked_failed(app, clock):
    nobody = person()
    nobody.phone_enc = nobody.phone_index = None
    db.session.commit()
    note = notifications.notify(user_id=nobody.id, kind="session_reminder", data={"starts_at": "x"})
    db.session.commit()
    assert notifications.deliver(note.id) == "failed"
    db.session.expire_all()
    assert "no usable channel" in db.session.get(Notification, note.id).error


def test_unknown_kinds_are_refused_before_anything_is_written(app, clock):
    with pytest.raises(ValueError):
        notifications.notify(user_id=person().id, kind="nonsense", data={})
    assert count(Notification) == 0


def test_a_moved_session_is_reminded_at_its_new_time_and_a_cancelled_one_never(setting, client, clock, wechat):
    med, session_id = setting["mediator"], setting["session"]["id"]
    moved = client.patch(
        f"{MP}/sessions/{session_id}",
        json={"starts_at": local("2026-11-12", "09:00"), "ends_at": local("2026-11-12", "10:00")},
        headers=login(med),
    )
    assert moved.status_code == 200
    clock.set(parse(local("2026-11-09", "09:30")))  # the old 24 h reminder would be due now
    assert send_due_reminders.delay().get() == 0
    clock.set(parse(local("2026-11-11", "09:00")))
    assert send_due_reminders.delay().get() == 2
    assert [m["data"]["time2"]["value"] for m in wechat.sent_messages] == ["2026年11月12日 09:00"]
    client.post(f"{MP}/sessions/{session_id}/cancel", json={}, headers=login(med))
    clock.set(parse(local("2026-11-12", "08:30")))
    assert send_due_reminders.delay().get() == 0
    statuses = db.session.scalars(select(SessionReminder.status)).all()
    assert sorted(statuses) == ["cancelled"] * 6 + ["notified"] * 2


def test_reminders_found_after_the_session_began_expire_silently(setting, clock, wechat):
    clock.set(parse(local(DAY, "09:05")))  # every worker was down until after the start
    assert send_due_reminders.delay().get() == 0
    assert {r.status for r in db.session.scalars(select(SessionReminder))} == {"expired"}
    assert count(Notification) == 0 and wechat.sent_messages == []


def test_a_reminder_becomes_one_notification_even_if_two_sweeps_pick_it(setting, clock, wechat):
    clock.set(parse(local("2026-11-09", "09:00")))
    due = mediation_sessions_reminders.due_ids()
    assert len(due) == 2
    assert [mediation_sessions_reminders.send_one(rid) for rid in due] == ["notified", "notified"]
    assert [mediation_sessions_reminders.send_one(rid) for rid in due] == ["skipped", "skipped"]
    assert count(Notification) == 2


def test_racing_workers_deliver_one_notification_once(app, setting, clock, wechat):
    """Six workers get the same job at once (PostgreSQL: the claim UPDATE's row lock; SQLite: its write lock)."""
    note_id = _written_not_sent(setting["mediator"])
    barrier = threading.Barrier(6)
    outcomes = []

    def work():
        with app.app_context():
            barrier.wait()
            outcomes.append(notifications.deliver(note_id))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 6 and len(wechat.sent_messages) == 1
    db.session.expire_all()
    assert db.session.get(Notification, note_id).claims == 1 and len(attempts()) == 1
