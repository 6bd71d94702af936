"""The SMTP mailer against a real (fake) SMTP server on 127.0.0.1, and the mailer the settings choose."""

from __future__ import annotations

import socket

import pytest

import config as app_config
from app.integrations.email import ConsoleMailer, SmtpConfig, SmtpMailer, build_mailer, mask, render
from config import ConfigError
from tests.support.fake_smtp import FakeSmtp

PARAMS = {"title": "传票", "court": "测试法院"}


def _mailer(port: int, **changes: object) -> SmtpMailer:
    config = {
        "host": "127.0.0.1",
        "port": port,
        "security": "plain",
        "user": "",
        "password": "",
        "sender": "微法院 <no-reply@court.example>",
        "timeout": 5.0,
    }
    config.update(changes)
    return SmtpMailer(SmtpConfig(**config))  # type: ignore[arg-type]


def test_a_message_arrives_with_its_envelope_subject_body_and_message_id():
    with FakeSmtp() as smtp:
        result = _mailer(smtp.port).send(to="li.si@example.com", template="document_served", params=PARAMS)
    assert result.ok and result.provider == "smtp" and result.message_id.endswith("@court.example>")
    [received] = smtp.messages
    assert received.rcpt == ["li.si@example.com"] and received.mail_from == "no-reply@court.example"
    assert received.message["Subject"] == "【微法院】您有一份法律文书待查收"
    assert "测试法院向您送达了法律文书《传票》" in received.body
    assert received.message["Message-ID"] == result.message_id and received.user is None


def test_login_when_a_user_is_set_and_a_refused_login_is_not_retried():
    with FakeSmtp() as smtp:
        ok = _mailer(smtp.port, user="mailer", password="pw").send(
            to="a@example.com", template="document_served", params=PARAMS
        )
        refused = _mailer(smtp.port, user="mailer", password="wrong").send(
            to="a@example.com", template="document_served", params=PARAMS
        )
    assert ok.ok and smtp.messages[0].user == "mailer"
    assert not refused.ok and not refused.retryable and refused.error.startswith("smtp 535")


@pytest.mark.parametrize("code,retryable", [(550, False), (451, True)])
def test_a_refused_recipient_is_retried_only_for_a_4xx_answer(code, retryable):
    with FakeSmtp() as smtp:
        smtp.refuse_rcpt["gone@example.com"] = code
        result = _mailer(smtp.port).send(to="gone@example.com", template="document_served", params=PARAMS)
    assert not result.ok and result.retryable is retryable and result.error.startswith(f"smtp {code}")
    assert smtp.messages == []


def test_a_server_that_is_down_is_retryable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _mailer(port).send(to="a@example.com", template="document_served", params=PARAMS)
    assert not result.ok and result.retryable and result.error.startswith("network")


def test_starttls_against_a_server_without_it_is_a_retryable_failure_not_a_plain_send():
    with FakeSmtp() as smtp:
        result = _mailer(smtp.port, security="starttls").send(
            to="a@example.com", template="document_served", params=PARAMS
        )
    assert not result.ok and smtp.messages == []  # never sent in clear when TLS was asked for


def test_the_settings_choose_the_mailer():
    assert isinstance(build_mailer({"EMAIL_SMTP_HOST": ""}), ConsoleMailer)
    smtp = build_mailer({"EMAIL_SMTP_HOST": "mail.example", "EMAIL_SMTP_PORT": "465", "EMAIL_SMTP_SECURITY": "ssl"})
    assert isinstance(smtp, SmtpMailer) and smtp.config.port == 465 and smtp.config.security == "ssl"
    with pytest.raises(ConfigError):
        build_mailer({"EMAIL_SMTP_HOST": "mail.example", "EMAIL_SMTP_SECURITY": "tls"})
    production = build_mailer({"EMAIL_SMTP_HOST": "", "MICROCOURT_ENV": "production"})
    assert not production.usable
    refused = production.send(to="a@example.com", template="document_served", params=PARAMS)
    assert not refused.ok and not refused.retryable


def test_the_config_refuses_an_unknown_security_mode_and_the_dev_outbox_in_production():
    problems = app_config.TestingConfig({"EMAIL_SMTP_SECURITY": "tls"}).problems()
    assert any("EMAIL_SMTP_SECURITY" in problem for problem in problems)
    assert not any("EMAIL" in problem for problem in app_config.TestingConfig({}).problems())
    production = app_config.ProductionConfig({"DEV_EMAIL_OUTBOX": "1"}).problems()
    assert any("DEV_EMAIL_OUTBOX" in problem for problem in production)


def test_templates_and_masking():
    subject, body = render("service_address_code", {"code": "123456", "minutes": "30"})
    assert subject == "【微法院】确认电子送达地址" and "123456" in body and "30分钟" in body
    assert mask("Li.Si@Example.COM") == "L***@example.com"
