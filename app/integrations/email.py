"""E-mail: the templates, an SMTP mailer (stdlib smtplib: STARTTLS, implicit TLS or plain) and a console mailer.

A mailer sends one templated message to one address and says whether it arrived at the SMTP server (`ok`), and,
if not, whether trying again may help (`retryable`: the server is unreachable, timed out, or answered 4xx) or not
(5xx: the address or the message is refused). The console mailer is for development (`make run` with no
EMAIL_SMTP_HOST): it logs the masked address and keeps the text for the dev e-mail outbox. In production it
refuses every message, so a missing SMTP host shows as failed notices, never as mail written to a log.
"""

from __future__ import annotations

import abc
import dataclasses
import email.utils
import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from config import ConfigError

log = logging.getLogger(__name__)

SECURITY_MODES = ("starttls", "ssl", "plain")

# template -> (subject, body); every field is filled by `render`.
TEMPLATES: dict[str, tuple[str, str]] = {
    "document_served": (
        "【微法院】您有一份法律文书待查收",
        "{court}向您送达了法律文书《{title}》。\n\n请登录微法院小程序查看并下载。"
        "本邮件是送达通知，您在送达地址确认书中确认了本邮箱作为接收通知的地址。\n",
    ),
    "document_reminder": (
        "【微法院】提醒：您有一份法律文书尚未查看",
        "{court}送达给您的法律文书《{title}》尚未查看。\n\n请登录微法院小程序查看并下载。\n",
    ),
    "service_address_code": (
        "【微法院】确认电子送达地址",
        "您的确认码是 {code}，{minutes}分钟内有效。\n\n"
        "请在微法院小程序中输入此确认码，确认本邮箱用于接收法院的送达通知。如非本人操作，请忽略本邮件。\n",
    ),
}


@dataclasses.dataclass(frozen=True)
class EmailResult:
    """What the mailer said: accepted by the server (with its message id), or failed (with its error)."""

    ok: bool
    provider: str
    message_id: str | None = None
    error: str | None = None
    retryable: bool = False


def render(template: str, params: Mapping[str, str]) -> tuple[str, str]:
    """The subject and body of a template (an unknown template is a programming error)."""
    subject, body = TEMPLATES[template]
    return subject.format(**params), body.format(**params)


def mask(address: str) -> str:
    """An address as the logs and the evidence show it: z***@example.com (the domain in lower case)."""
    local, _, domain = address.strip().partition("@")
    return f"{local[:1]}***@{domain.lower()}"


class Mailer(abc.ABC):
    """Port: send one templated message to one e-mail address."""

    name = "abstract"
    keeps_text = False  # only the console mailer may store the text (it is for developers)
    usable = True  # False: nothing can be sent (a console mailer in production)

    @abc.abstractmethod
    def send(self, *, to: str, template: str, params: Mapping[str, str]) -> EmailResult:
        """Hand the message to the server."""


class ConsoleMailer(Mailer):
    """Development: the message goes to the log (address masked) and to the outbox table for the dev endpoint."""

    name = "console"
    keeps_text = True

    def __init__(self, *, production: bool = False) -> None:
        self.usable = not production

    def send(self, *, to: str, template: str, params: Mapping[str, str]) -> EmailResult:
        """Log the message instead of sending it (refused in production: there is no SMTP host)."""
        if not self.usable:
            return EmailResult(ok=False, provider=self.name, error="no SMTP host configured", retryable=False)
        subject, _body = render(template, params)
        log.info("console e-mail to %s: %s", mask(to), subject, extra={"email_template": template})
        return EmailResult(ok=True, provider=self.name, message_id=None)


@dataclasses.dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the SMTP server."""

    host: str
    port: int
    security: str  # starttls | ssl | plain
    user: str
    password: str
    sender: str
    timeout: float


class SmtpMailer(Mailer):
    """An SMTP server: one connection per message (notices are rare; nothing to keep alive between them)."""

    name = "smtp"

    def __init__(self, config: SmtpConfig) -> None:
        if config.security not in SECURITY_MODES:
            raise ConfigError(f"EMAIL_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}")
        self.config = config

    def message(self, *, to: str, template: str, params: Mapping[str, str]) -> EmailMessage:
        """The MIME message (plain text, UTF-8) with a Message-ID of the sender's domain."""
        subject, body = render(template, params)
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = email.utils.formatdate(localtime=False)
        domain = email.utils.parseaddr(self.config.sender)[1].partition("@")[2] or "localhost"
        message["Message-ID"] = email.utils.make_msgid(domain=domain)
        message.set_content(body)
        return message

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.security == "ssl":
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.security == "starttls":
            try:
                client.starttls(context=ssl.create_default_context())
            except BaseException:
                client.close()  # never fall back to sending in clear
                raise
        return client

    def send(self, *, to: str, template: str, params: Mapping[str, str]) -> EmailResult:
        """Connect, authenticate when a user is set, send; 4xx and network errors are retryable, 5xx is not."""
        message = self.message(to=to, template=template, params=params)
        try:
            with self._connect() as client:
                if self.config.user:
                    client.login(self.config.user, self.config.password)
                refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            return self._refused(exc.recipients.get(to, (550, b"recipient refused")))
        except smtplib.SMTPResponseException as exc:
            return self._refused((exc.smtp_code, exc.smtp_error))
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return EmailResult(ok=False, provider=self.name, error=f"network: {type(exc).__name__}", retryable=True)
        if to in refused:
            return self._refused(refused[to])
        return EmailResult(ok=True, provider=self.name, message_id=str(message["Message-ID"])[:128])

    def _refused(self, answer: tuple[int, bytes | str]) -> EmailResult:
        code, text = answer
        said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return EmailResult(
            ok=False, provider=self.name, error=f"smtp {code}: {said}"[:200], retryable=400 <= code < 500
        )


def build_mailer(config: Mapping[str, Any]) -> Mailer:
    """SMTP when EMAIL_SMTP_HOST is set; otherwise the console mailer (which sends nothing in production)."""
    host = str(config.get("EMAIL_SMTP_HOST") or "")
    if not host:
        return ConsoleMailer(production=config.get("MICROCOURT_ENV") == "production")
    return SmtpMailer(
        SmtpConfig(
            host=host,
            port=int(config.get("EMAIL_SMTP_PORT", 587)),
            security=str(config.get("EMAIL_SMTP_SECURITY", "starttls")),
            user=str(config.get("EMAIL_SMTP_USER") or ""),
            password=str(config.get("EMAIL_SMTP_PASSWORD") or ""),
            sender=str(config.get("EMAIL_FROM") or "no-reply@microcourt.invalid"),
            timeout=float(config.get("EMAIL_SMTP_TIMEOUT", 10)),
        )
    )
