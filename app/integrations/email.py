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

from app.i18n import DEFAULT_LANGUAGE, catalogue, mark
from config import ConfigError

log = logging.getLogger(__name__)

SECURITY_MODES = ("starttls", "ssl", "plain")

# template -> (subject, body): catalogue entries (context "email"), English msgids with `%(name)s` placeholders; the
# Chinese, the default, is in translations/zh. A message is written in its recipient's language (`render`).
CONTEXT = "email"
TEMPLATES: dict[str, tuple[str, str]] = {
    "document_served": (
        mark("email", "[Micro Court] A legal document awaits you"),
        mark(
            "email",
            'A legal document, "%(title)s", has been served on you by %(court)s.\n\nLog in to the Micro Court '
            "mini-program to read and download it. This e-mail is a notice of service; you confirmed this address "
            "for service notices in your confirmation of service address.\n",
        ),
    ),
    "document_reminder": (
        mark("email", "[Micro Court] Reminder: a legal document you have not read yet"),
        mark(
            "email",
            'The legal document "%(title)s" that %(court)s served on you has not been read yet.\n\nLog in to the '
            "Micro Court mini-program to read and download it.\n",
        ),
    ),
    "service_address_code": (
        mark("email", "[Micro Court] Confirm your electronic service address"),
        mark(
            "email",
            "Your confirmation code is %(code)s, valid for %(minutes)s minutes.\n\nEnter it in the Micro Court "
            "mini-program to confirm this address for the court's service notices. If you did not ask for it, "
            "ignore this e-mail.\n",
        ),
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


def render(template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """The subject and body of a template in a language (an unknown template is a programming error)."""
    subject, body = TEMPLATES[template]
    return catalogue.render(CONTEXT, subject, language, params), catalogue.render(CONTEXT, body, language, params)


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
    def send(
        self, *, to: str, template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> EmailResult:
        """Hand the message, written in `language` (the recipient's), to the server."""


class ConsoleMailer(Mailer):
    """Development: the message goes to the log (address masked) and to the outbox table for the dev endpoint."""

    name = "console"
    keeps_text = True

    def __init__(self, *, production: bool = False) -> None:
        self.usable = not production

    def send(
        self, *, to: str, template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> EmailResult:
        """Log the message instead of sending it (refused in production: there is no SMTP host)."""
        if not self.usable:
            return EmailResult(ok=False, provider=self.name, error="no SMTP host configured", retryable=False)
        subject, _body = render(template, params, language)
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

    def message(
        self, *, to: str, template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> EmailMessage:
        """The MIME message (plain text, UTF-8) with a Message-ID of the sender's domain."""
        subject, body = render(template, params, language)
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = email.utils.formatdate(localtime=False)
        domain = email.utils.parseaddr(self.config.sender)[1].partition("@")[2] or "localhost"
        message["Message-ID"] = email.utils.make_msgid(domain=domain)
        message["Content-Language"] = "zh-CN" if language == "zh" else language
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

    def send(
        self, *, to: str, template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> EmailResult:
        """Connect, authenticate when a user is set, send; 4xx and network errors are retryable, 5xx is not."""
        message = self.message(to=to, template=template, params=params, language=language)
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
