"""Kinds of notification: for each, the WeChat data mapping and page, the SMS and e-mail templates and parameters.

The WeChat template id of a kind comes from NOTIFICATION_WECHAT_TEMPLATES (`kind:template_id,...`); a kind
without one is sent by SMS. Keyword names (thing1, time2 ...) must match the template chosen in the WeChat
console; their prefix decides how values are formatted and cut (`subscribe_value`). Other domains add
their kinds with `register(Kind(...))`, e.g. electronic service with `document_served`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from app.integrations.wechat import subscribe_value
from app.notifications.models import Notification
from app.platform import settings

MODE_LABELS = {"video": "视频调解", "phone": "电话调解", "in_person": "现场调解"}


@dataclasses.dataclass(frozen=True)
class Kind:
    """How one kind of notification is rendered on each channel."""

    name: str
    sms_template: str  # a template of app/integrations/sms.py
    sms_params: Callable[[dict], dict[str, str]]
    wechat_data: Callable[[dict], dict[str, object]]
    page: Callable[[dict], str]
    on_outcome: Callable[[Notification], None] | None = None  # called after the final status is committed
    email_template: str | None = None  # a template of app/integrations/email.py (None: the kind's name)
    email_params: Callable[[dict], dict[str, str]] = lambda data: {}


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add (or replace) a kind."""
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    """The kind called `name`; an unknown kind is a programming error."""
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"unknown notification kind {name!r}") from None


def wechat_template(name: str) -> str | None:
    """The subscribe-message template configured for a kind, if any."""
    for entry in settings.notifications().wechat_templates.split(","):
        kind, _, template = entry.strip().partition(":")
        if kind.strip() == name and template.strip():
            return template.strip()
    return None


def _starts(data: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(data["starts_at"])


def _place(data: dict) -> str:
    label = MODE_LABELS.get(data.get("mode", ""), "调解")
    return f"{label} {data['location']}" if data.get("location") else label


register(  # app/agents/approvals.py: the court approved or refused an agent (special authority, a citizen agent)
    Kind(
        name="agent_approval_decided",
        sms_template="agent_approval_decided",
        sms_params=lambda data: {"title": subscribe_value("thing", data["case_title"]), "result": data["result"]},
        wechat_data=lambda data: {"thing1": data["case_title"], "thing2": f"代理人委托{data['result']}"},
        page=lambda data: f"pages/case/detail?id={data['case_id']}",
    )
)
register(
    Kind(
        name="session_reminder",
        sms_template="session_reminder",
        sms_params=lambda data: {"time": subscribe_value("time", _starts(data))},
        wechat_data=lambda data: {"thing1": data["case_title"], "time2": _starts(data), "thing3": _place(data)},
        page=lambda data: f"pages/session/detail?id={data['session_id']}",
    )
)
