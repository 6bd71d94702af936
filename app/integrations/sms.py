"""SMS gateways: a console gateway for development, and an HTTP gateway for a real provider; the texts (one
catalogue entry each, written in the recipient's language)."""

from __future__ import annotations

import abc
import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import requests

from app.i18n import DEFAULT_LANGUAGE, catalogue, mark
from config import ConfigError

log = logging.getLogger(__name__)

# Every text is a catalogue entry (context "sms"): the English template is the msgid, with `%(name)s` placeholders;
# the Chinese, the default, is in translations/zh (the texts as sent before issue 21). A text is written in its
# recipient's language (app/sms/outbox.py `queue(language=...)`); a phone that belongs to no user reads Chinese.
CONTEXT = "sms"
TEMPLATES = {
    "login_code": mark(
        "sms", "[Micro Court] Your verification code is %(code)s, valid for 5 minutes. Do not share it with anyone."
    ),
    "document_served": mark(
        "sms",
        '[Micro Court] A legal document, "%(title)s", awaits you. Log in to the Micro Court mini-program or open '
        "%(link)s to read it.",
    ),
    "session_reminder": mark("sms", "[Micro Court] Your mediation starts at %(time)s. Please attend on time."),
    "mediation_deadline": mark(
        "sms",
        '[Micro Court] The mediation period of the case "%(title)s" you mediate ends on %(due)s. Please close '
        "the case in time.",
    ),
    "mediation_period_ended": mark(
        "sms",
        '[Micro Court] The mediation period of the case "%(title)s" has ended and the mediation is terminated. '
        "To go to court, turn it into a filing in the Micro Court mini-program.",
    ),
    "litigation_effective": mark(
        "sms",
        '[Micro Court] The judgment or ruling in the case "%(title)s" has taken legal effect. Log in to the '
        "Micro Court mini-program to read it.",
    ),
    "case_claim": mark(
        "sms",
        "[Micro Court] 12368 has filed a case for you. Your claim code is %(code)s; claim the case in the Micro "
        "Court mini-program.",
    ),
    "service_claim": mark(
        "sms",
        "[Micro Court] %(court)s has litigation documents for you. Log in to the Micro Court mini-program with this "
        "phone number, enter the receipt code %(code)s and confirm electronic service to read them; for paper "
        "documents, contact the court.",
    ),
    "service_consent_request": mark(
        "sms",
        "[Micro Court] %(court)s has litigation documents for you. Confirm electronic service in the Micro Court "
        "mini-program to read them.",
    ),
    # court-to-organisation delegation (app/mediation/delegation_notices.py)
    "delegation_expired": mark(
        "sms",
        '[Micro Court] The case "%(title)s" the court delegated was not accepted in time; the delegation has lapsed.',
    ),
    "delegation_overdue": mark(
        "sms",
        '[Micro Court] The case "%(title)s" the court delegated for mediation is past the time the court set. '
        "Please close it soon.",
    ),
    "delegation_recalled": mark(
        "sms",
        '[Micro Court] The court has recalled the delegated mediation of the case "%(title)s". Please stop '
        "mediating it.",
    ),
    # hearings (app/scheduling/hearing_events.py): %(what)s is a hearing or a pre-trial meeting, not a mediation
    "hearing_reminder": mark(
        "sms", '[Micro Court] Your case "%(title)s": %(what)s at %(time)s. Please attend on time.'
    ),
    # litigation after acceptance (app/litigation/notices.py, app/notifications/kinds.py)
    "litigation_appeal_filed": mark(
        "sms",
        '[Micro Court] A party has appealed in the case "%(title)s". Log in to the Micro Court mini-program to '
        "read more.",
    ),
    "enforcement_accepted": mark(
        "sms",
        '[Micro Court] Your application for enforcement in the case "%(title)s" has been filed; enforcement case '
        "number %(number)s.",
    ),
    "enforcement_rejected": mark(
        "sms",
        '[Micro Court] The court did not accept your application for enforcement in the case "%(title)s". Log '
        "in to the Micro Court mini-program for the reasons.",
    ),
    "evidence_extension_decided": mark(
        "sms",
        '[Micro Court] Your application to extend the evidence period in the case "%(title)s": %(result)s. Log '
        "in to the Micro Court mini-program to read more.",
    ),
    "agent_approval_decided": mark(
        "sms",
        '[Micro Court] The court\'s decision on the agent in the case "%(title)s": %(result)s. Log in to the '
        "Micro Court mini-program to read more.",
    ),
    # litigation fees (app/fees/messages.py): %(what)s is the acceptance (litigation) fee or the appeal fee
    "fee_notice": mark(
        "sms",
        '[Micro Court] Case "%(title)s": %(what)s of CNY %(amount)s, to be paid by %(due)s. See the fee notice '
        "in the Micro Court mini-program.",
    ),
    "fee_reminder": mark(
        "sms",
        '[Micro Court] Case "%(title)s": the litigation fee of CNY %(amount)s is due by %(due)s; if it is not '
        "paid, the case will be treated as withdrawn.",
    ),
    "fee_decision": mark(
        "sms",
        '[Micro Court] There is a new decision on the litigation fees of the case "%(title)s". See it in the '
        "Micro Court mini-program.",
    ),
}


@dataclasses.dataclass(frozen=True)
class SmsResult:
    """What the gateway said: sent (with the provider's message id) or failed (with its error)."""

    ok: bool
    provider: str
    message_id: str | None = None
    error: str | None = None
    retryable: bool = False


def render(template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE) -> str:
    """The message text for a template in a language (unknown templates are a programming error)."""
    return catalogue.render(CONTEXT, TEMPLATES[template], language, params)


class SmsGateway(abc.ABC):
    """Port: send one templated message to one phone number (E.164)."""

    name = "abstract"
    keeps_text = False  # only the console gateway may store message text (it is for developers)

    @abc.abstractmethod
    def send(
        self, *, phone: str, template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> SmsResult:
        """Hand the message to the provider, written in `language` (the recipient's: zh or en)."""


class ConsoleSmsGateway(SmsGateway):
    """Development: the text goes to the log (phone masked) and to the outbox table for the dev endpoint."""

    name = "console"
    keeps_text = True

    def send(
        self, *, phone: str, template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> SmsResult:
        """Log the message instead of sending it."""
        masked = phone[-11:-8] + "****" + phone[-4:] if len(phone) >= 11 else "****"
        text = render(template, params, language)
        log.info("console sms to %s: %s", masked, text, extra={"sms_template": template})
        return SmsResult(ok=True, provider=self.name, message_id=None)


class HttpSmsGateway(SmsGateway):
    """A provider reached by JSON over HTTPS: POST {phone, template, params, text} with a bearer key."""

    name = "http"

    def __init__(self, url: str, api_key: str, timeout: float = 5.0) -> None:
        self.url = url
        self.api_key = api_key
        self.timeout = timeout
        self.http = requests.Session()

    def send(
        self, *, phone: str, template: str, params: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> SmsResult:
        """POST to the provider; 2xx with a message id is success, 5xx and network errors are retryable.

        `template` and `params` are the machine form (a provider with registered templates uses them, choosing the
        registered template of `language`); `text` is the message in the recipient's language.
        """
        body: dict[str, str | dict[str, str]] = {
            "phone": phone,
            "template": template,
            "params": dict(params),
            "language": language,
            "text": render(template, params, language),
        }
        try:
            response = self.http.post(
                self.url, json=body, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            return SmsResult(ok=False, provider=self.name, error=f"network: {type(exc).__name__}", retryable=True)
        if response.status_code >= 500:
            return SmsResult(ok=False, provider=self.name, error=f"http {response.status_code}", retryable=True)
        data = _json(response)
        if not response.ok or not data.get("message_id"):
            error = str(data.get("error") or f"http {response.status_code}")[:200]
            return SmsResult(ok=False, provider=self.name, error=error, retryable=False)
        return SmsResult(ok=True, provider=self.name, message_id=str(data["message_id"])[:128])


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def build_gateway(config: Mapping[str, Any]) -> SmsGateway:
    """The gateway named by SMS_GATEWAY (console | http); any other name is refused, never taken for console.

    The console gateway writes login codes to the log, so a misspelt provider name must stop the start.
    """
    name = config.get("SMS_GATEWAY", "console")
    if name == "http":
        return HttpSmsGateway(config["SMS_HTTP_URL"], config["SMS_HTTP_API_KEY"], float(config["SMS_HTTP_TIMEOUT"]))
    if name == "console":
        return ConsoleSmsGateway()
    raise ConfigError(f"SMS_GATEWAY must be 'console' or 'http', got {name!r}")
