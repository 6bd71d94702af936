"""SMS gateways: a console gateway for development, and an HTTP gateway for a real provider."""

from __future__ import annotations

import abc
import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import requests

from config import ConfigError

log = logging.getLogger(__name__)

TEMPLATES = {
    "login_code": "【微法院】验证码{code}，5分钟内有效。请勿告诉他人。",
    "document_served": "【微法院】您有一份法律文书《{title}》待查收，请登录微法院小程序或打开 {link} 查看。",
    "session_reminder": "【微法院】您的调解将于{time}开始，请准时参加。",
    "mediation_deadline": "【微法院】您调解的案件《{title}》调解期限至{due}届满，请及时结案。",
    "mediation_period_ended": "【微法院】案件《{title}》调解期限届满，调解终结。如需诉讼，可在微法院小程序中转为立案。",
    "litigation_effective": "【微法院】案件《{title}》的裁判文书已发生法律效力，请登录微法院小程序查看。",
    "case_claim": "【微法院】12368已为您代办立案，认领码{code}，请在微法院小程序中认领。",
    "service_claim": (
        "【微法院】{court}有诉讼文书待您接收。请用本手机号登录微法院小程序，"
        "输入接收码{code}并确认电子送达后查看；如需纸质文书请联系法院。"
    ),
    "service_consent_request": "【微法院】{court}有诉讼文书待您接收，请在微法院小程序确认电子送达后查看。",
    # court-to-organisation delegation (app/mediation/delegation_notices.py)
    "delegation_expired": "【微法院】法院委派的案件《{title}》已过期限未接收，委派失效。",
    "delegation_overdue": "【微法院】法院委派调解的案件《{title}》已超过法院确定的期限，请尽快结案。",
    "delegation_recalled": "【微法院】法院已撤回委派调解的案件《{title}》，请停止调解工作。",
    # hearings (app/scheduling/hearing_events.py): "开庭" / "召开庭前会议", not "调解"
    "hearing_reminder": "【微法院】您的案件《{title}》将于{time}{what}，请准时参加。",
    # litigation after acceptance (app/litigation/notices.py, app/notifications/kinds.py)
    "litigation_appeal_filed": "【微法院】案件《{title}》已有当事人提起上诉，请登录微法院小程序查看。",
    "enforcement_accepted": "【微法院】您对案件《{title}》的强制执行申请已立案，执行案号{number}。",
    "enforcement_rejected": "【微法院】您对案件《{title}》的强制执行申请法院不予受理，理由请登录微法院小程序查看。",
    "evidence_extension_decided": "【微法院】您在案件《{title}》中延长举证期限的申请{result}，请登录微法院小程序查看。",
    "agent_approval_decided": "【微法院】案件《{title}》中代理人的委托{result}，请登录微法院小程序查看。",
    # litigation fees (app/fees/messages.py): {what} is 交纳诉讼费 (acceptance fee) or 交纳上诉费 (appeal fee)
    "fee_notice": "【微法院】案件《{title}》请于{due}前{what}{amount}元，请在微法院小程序查看交费通知。",
    "fee_reminder": "【微法院】案件《{title}》诉讼费{amount}元交纳期限至{due}，逾期未交将按撤诉处理。",
    "fee_decision": "【微法院】案件《{title}》诉讼费事项有新的决定，请在微法院小程序查看。",
}


@dataclasses.dataclass(frozen=True)
class SmsResult:
    """What the gateway said: sent (with the provider's message id) or failed (with its error)."""

    ok: bool
    provider: str
    message_id: str | None = None
    error: str | None = None
    retryable: bool = False


def render(template: str, params: Mapping[str, str]) -> str:
    """The message text for a template (unknown templates are a programming error)."""
    return TEMPLATES[template].format(**params)


class SmsGateway(abc.ABC):
    """Port: send one templated message to one phone number (E.164)."""

    name = "abstract"
    keeps_text = False  # only the console gateway may store message text (it is for developers)

    @abc.abstractmethod
    def send(self, *, phone: str, template: str, params: Mapping[str, str]) -> SmsResult:
        """Hand the message to the provider."""


class ConsoleSmsGateway(SmsGateway):
    """Development: the text goes to the log (phone masked) and to the outbox table for the dev endpoint."""

    name = "console"
    keeps_text = True

    def send(self, *, phone: str, template: str, params: Mapping[str, str]) -> SmsResult:
        """Log the message instead of sending it."""
        masked = phone[-11:-8] + "****" + phone[-4:] if len(phone) >= 11 else "****"
        log.info("console sms to %s: %s", masked, render(template, params), extra={"sms_template": template})
        return SmsResult(ok=True, provider=self.name, message_id=None)


class HttpSmsGateway(SmsGateway):
    """A provider reached by JSON over HTTPS: POST {phone, template, params, text} with a bearer key."""

    name = "http"

    def __init__(self, url: str, api_key: str, timeout: float = 5.0) -> None:
        self.url = url
        self.api_key = api_key
        self.timeout = timeout
        self.http = requests.Session()

    def send(self, *, phone: str, template: str, params: Mapping[str, str]) -> SmsResult:
        """POST to the provider; 2xx with a message id is success, 5xx and network errors are retryable."""
        body: dict[str, str | dict[str, str]] = {
            "phone": phone,
            "template": template,
            "params": dict(params),
            "text": render(template, params),
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
