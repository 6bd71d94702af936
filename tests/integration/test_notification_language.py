"""Texts sent later are written in the RECIPIENT's language (issue 21): their stored choice (`users.language`),
Chinese when none, never the language of whoever caused the send (that request's Accept-Language).

Session reminders (WeChat subscribe message and SMS), a court decision told to the parties (SMS), a document's
e-mail notice, an SMS to a phone that belongs to no account (Chinese), and the parts that never change with
language: the template, the keyword names, the page, a time keyword's format, the placeholders. A webhook's
human-readable field is Chinese (the court's language; a subscription has none), its machine fields unchanged.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.i18n import LANGUAGES, catalogue, sources
from app.integrations import email as email_templates
from app.integrations import sms as sms_templates
from app.notifications import dispatch as notifications
from app.notifications import kinds
from app.notifications.email_models import EmailMessage
from app.scheduling.tasks import send_due_reminders
from app.sms import SmsMessage
from app.sms import outbox as sms_outbox
from app.sms.dev_outbox import code_in
from app.utils import clock as clock_module
from app.webhooks import deliveries as webhooks
from tests.integration import test_notifications as reminders
from tests.support.scheduling import local, parse

TEMPLATE, sms_to = reminders.TEMPLATE, reminders.sms_to
setting = reminders.setting  # the fixture: a booked session, a mediator with WeChat and a grant, a filer with a phone


def _english(user) -> None:
    user.language = "en"
    db.session.commit()


def test_each_reader_gets_their_own_language_on_each_channel(setting, clock, wechat):
    med, filer = setting["mediator"], setting["filer"]
    _english(med)  # the mediator reads English; the filer made no choice: Chinese
    clock.set(parse(local("2026-11-09", "09:00")))
    assert send_due_reminders.delay().get() == 2
    [message] = wechat.sent_messages
    assert message["template_id"] == TEMPLATE and message["lang"] == "en_US"
    assert message["page"] == f"pages/session/detail?id={setting['session']['id']}"
    assert message["data"] == {  # the keywords, the case's name and WeChat's time format never change
        "thing1": {"value": "张三诉李四民间借贷纠纷"},
        "time2": {"value": "2026年11月10日 09:00"},
        "thing3": {"value": "in-person mediation…"},  # 20 characters at most, as WeChat allows
    }
    [sms] = sms_to(filer)
    assert (
        sms.template == "session_reminder"
        and sms.text == "【微法院】您的调解将于2026年11月10日 09:00开始，请准时参加。"
    )


def test_an_english_reader_gets_an_english_sms_and_the_sender_s_language_does_not_count(app, setting, clock):
    filer = setting["filer"]
    _english(filer)
    clock.set(parse(local("2026-11-09", "09:00")))
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):  # whoever runs it reads Chinese
        assert send_due_reminders.delay().get() == 2
    [sms] = sms_to(filer)
    assert sms.text == "[Micro Court] Your mediation starts at 10 Nov 2026 09:00. Please attend on time."


@pytest.mark.parametrize(("language", "expected"), [(None, "zh"), ("zh", "zh"), ("en", "en")])
def test_a_decision_told_to_a_party_follows_the_party_not_the_court(app, setting, clock, language, expected):
    filer, case = setting["filer"], setting["case"]
    filer.language = language
    db.session.commit()
    data = {
        "case_id": str(case.id),
        "case_title": case.title,
        "result": kinds.agent_result(approved=False),  # the decision kept as a fact, not as words
    }
    with app.test_request_context(headers={"Accept-Language": "en" if expected == "zh" else "zh-CN"}):
        note = notifications.notify(user_id=filer.id, kind="agent_approval_decided", data=data)
        db.session.commit()
        notifications.dispatch(note.id)
    [sms] = [m for m in sms_to(filer) if m.template == "agent_approval_decided"]
    if expected == "zh":
        assert (
            sms.text == "【微法院】案件《张三诉李四民间借贷纠纷》中代理人的委托未获法院准许，请登录微法院小程序查看。"
        )
    else:
        assert sms.text == (
            '[Micro Court] The court\'s decision on the agent in the case "张三诉李四民间借贷纠纷": not permitted. '
            "Log in to the Micro Court mini-program to read more."
        )


def test_an_e_mail_notice_is_in_the_recipient_s_language(app, setting, clock):
    filer = setting["filer"]
    _english(filer)
    data = {"document_id": "3f0e", "title": "举证通知书", "court": "", "at": clock_module.now().isoformat()}
    note = notifications.notify(
        user_id=filer.id, kind="document_served", data=data, address=("email", "zhang@example.com")
    )
    db.session.commit()
    notifications.dispatch(note.id)
    message = db.session.scalars(select(EmailMessage)).one()
    assert message.subject == "[Micro Court] A legal document awaits you"
    assert message.text.startswith('A legal document, "举证通知书", has been served on you by the court.')


def test_an_sms_to_a_phone_without_an_account_is_chinese(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        message = sms_outbox.queue(
            phone="+8613900000009", template="service_claim", params={"court": "北仑法院", "code": "AB12CD34"}
        )
        db.session.commit()
    assert message.text == (
        "【微法院】北仑法院有诉讼文书待您接收。请用本手机号登录微法院小程序，输入接收码AB12CD34并确认电子送达后查看；"
        "如需纸质文书请联系法院。"
    )
    assert code_in("service_claim", message.text) == "AB12CD34"
    english = sms_templates.render("service_claim", {"court": "Beilun Court", "code": "AB12CD34"}, "en")
    assert code_in("service_claim", english) == "AB12CD34"  # the dev outbox reads a code in either language
    assert db.session.get(SmsMessage, message.id).template == "service_claim"


def test_every_sms_and_e_mail_template_has_both_languages_with_the_same_placeholders():
    for template in sms_templates.TEMPLATES.values():
        names = catalogue.placeholders(template)
        chinese = str(catalogue.translations("zh").pgettext("sms", template))
        assert chinese != template and chinese.startswith("【微法院】"), template
        assert catalogue.placeholders(chinese) == names, template
    for subject, body in email_templates.TEMPLATES.values():
        for text in (subject, body):
            chinese = str(catalogue.translations("zh").pgettext("email", text))
            assert chinese != text and catalogue.placeholders(chinese) == catalogue.placeholders(text), text


def test_a_notification_s_words_fit_wechat_s_thing_limit_in_every_language():
    """A subscribe message's `thing` takes 20 characters: each fixed status line fits in every language (a line
    with a value in it is cut by `subscribe_value`, as every value is)."""
    texts = [t for t in sources.all_texts() if t.context == "notification" and not catalogue.placeholders(t.template)]
    assert len(texts) >= 25
    for text in texts:
        for language in LANGUAGES:
            words = catalogue.render("notification", text.template, language)
            assert len(words) <= 20, (text.path, text.line, language, words)
            assert not re.search(r"%\(\w+\)s", words)


def test_a_webhook_s_human_field_is_chinese_and_its_machine_fields_never_change(app):
    event = webhooks.Event(
        id=uuid.UUID(int=7),
        type="agent.refused",
        court_id=uuid.UUID(int=9),
        at=clock_module.now(),
        data=lambda: {"status": "refused", "codes": ["a_b"], "result": kinds.AGENT_NOT_PERMITTED, "n": 3},
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):  # the clerk who caused it reads English
        body = json.loads(webhooks._body(event))
    assert body["data"] == {"status": "refused", "codes": ["a_b"], "result": "未获法院准许", "n": 3}
    assert (body["id"], body["type"], body["court_id"]) == (
        str(uuid.UUID(int=7)),
        "agent.refused",
        str(uuid.UUID(int=9)),
    )
