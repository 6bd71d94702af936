"""Kinds of notification: for each, the WeChat data mapping and page, the SMS and e-mail templates and parameters.

The WeChat template id of a kind comes from NOTIFICATION_WECHAT_TEMPLATES (`kind:template_id,...`); a kind
without one is sent by SMS. Keyword names (thing1, time2 ...) must match the template chosen in the WeChat
console; their prefix decides how values are formatted and cut (`subscribe_value`). Other domains add
their kinds with `register(Kind(...))`, e.g. electronic service with `document_served`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping

from app.i18n import DEFAULT_LANGUAGE, Message, message
from app.integrations.wechat import subscribe_value
from app.notifications.models import Notification
from app.platform import settings
from app.utils import clock

NOTIFICATION = "notification"  # the catalogue context of the words a kind writes (WeChat values, SMS parameters)
MODE_LABELS = {
    "video": message("video mediation", context="notification"),
    "phone": message("phone mediation", context="notification"),
    "in_person": message("in-person mediation", context="notification"),
}
WECHAT_LANG = {"zh": "zh_CN", "en": "en_US"}  # the subscribe message's `lang`: the language the mini-program opens in


@dataclasses.dataclass(frozen=True)
class Kind:
    """How one kind of notification is rendered on each channel."""

    name: str
    sms_template: str  # a template of app/integrations/sms.py
    sms_params: Callable[[dict], Mapping[str, object]]  # words: str, a message or a datetime (rendered when sent)
    wechat_data: Callable[[dict], dict[str, object]]
    page: Callable[[dict], str]
    on_outcome: Callable[[Notification], None] | None = None  # called after the final status is committed
    email_template: str | None = None  # a template of app/integrations/email.py (None: the kind's name)
    email_params: Callable[[dict], Mapping[str, object]] = lambda data: {}


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


def words(values: Mapping[str, object], language: str) -> dict[str, object]:
    """A kind's WeChat values for a reader: a catalogue message (or one stored in the row's data as facts) in the
    reader's language; anything else as it is (a time keyword keeps its datetime: WeChat's format is fixed)."""
    return {key: _word(value, language) for key, value in values.items()}


def texts(values: Mapping[str, object], language: str) -> dict[str, str]:
    """A kind's SMS or e-mail parameters as words in the reader's language (a time as that language writes it)."""
    found: dict[str, str] = {}
    for key, value in words(values, language).items():
        if isinstance(value, dt.datetime):
            found[key] = subscribe_value("time", value) if language == DEFAULT_LANGUAGE else _english_time(value)
        else:
            found[key] = "" if value is None else str(value)
    return found


def fact(value: object) -> object:
    """A value of a notification's data as a message's parameter: a stored message back as a `Message`."""
    stored = Message.from_data(value) if isinstance(value, Mapping) else None
    return stored if stored is not None else value


def _word(value: object, language: str) -> object:
    if isinstance(value, Message):
        return value.render(language)
    if isinstance(value, Mapping):  # a message kept in the notification's data (`message(...).to_data()`)
        stored = Message.from_data(value)
        return stored.render(language) if stored is not None else value
    return value


def _english_time(value: dt.datetime) -> str:
    """`3 Dec 2026 14:30` in Asia/Shanghai (the court's time), the English of `2026年12月3日 14:30`."""
    local = clock.as_utc(value).astimezone(clock.SHANGHAI)
    return f"{local.day} {local:%b %Y %H:%M}"


# The court's decision on an agent (`result` of agent_approval_decided, app/agents/approvals.py), kept in the
# notification's data as facts.
AGENT_PERMITTED = message("permitted", context="notification")
AGENT_NOT_PERMITTED = message("not permitted", context="notification")


def agent_result(*, approved: bool) -> dict:
    """`result` of agent_approval_decided as the notification's data keeps it."""
    return (AGENT_PERMITTED if approved else AGENT_NOT_PERMITTED).to_data()


def _starts(data: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(data["starts_at"])


def _place(data: dict) -> Message:
    label = MODE_LABELS.get(data.get("mode", "")) or message("mediation", context="notification")
    if not data.get("location"):
        return label
    return message("%(mode)s %(location)s", context="notification", mode=label, location=data["location"])


register(  # app/agents/approvals.py: the court approved or refused an agent (special authority, a citizen agent)
    Kind(
        name="agent_approval_decided",
        sms_template="agent_approval_decided",
        sms_params=lambda data: {"title": subscribe_value("thing", data["case_title"]), "result": data["result"]},
        wechat_data=lambda data: {
            "thing1": data["case_title"],
            "thing2": message("Agent: %(result)s", context="notification", result=fact(data["result"])),
        },
        page=lambda data: f"pages/case/detail?id={data['case_id']}",
    )
)
register(
    Kind(
        name="session_reminder",
        sms_template="session_reminder",
        sms_params=lambda data: {"time": _starts(data)},  # written as the reader's language writes a time
        wechat_data=lambda data: {"thing1": data["case_title"], "time2": _starts(data), "thing3": _place(data)},
        page=lambda data: f"pages/session/detail?id={data['session_id']}",
    )
)
