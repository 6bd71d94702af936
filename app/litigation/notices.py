"""Telling the parties what the court did in their litigation, beyond the timeline: appeals, enforcement, extensions.

Each kind is a notification (WeChat subscribe message where a template is configured, else SMS; app/notifications)
written in the step's transaction and dispatched after its commit (`send`). Legal effect has its own kind in
effect.py (`litigation_effective`). The evidence period's setting and every extension reach the parties as a served
notice (举证通知书, whose delivery notifies them as any document); a refused application changes no notice, so the
applicant is told by `evidence_extension_decided` (granted or refused).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable

from app.cases import Case
from app.i18n import Message, message
from app.integrations.wechat import subscribe_value
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds

log = logging.getLogger(__name__)


def _page(data: dict) -> str:
    return f"pages/case/detail?id={data['case_id']}"


def _title(data: dict) -> str:
    return subscribe_value("thing", data["case_title"])


def _wechat(text: Message) -> Callable[[dict], dict[str, object]]:
    return lambda data: {"thing1": data["case_title"], "thing2": data.get("result") or text}


# The status line of each kind (a catalogue message, in the recipient's language when sent; English at most 20
# characters, WeChat's limit for a `thing` value).
_KINDS: tuple[tuple[str, Message, Callable[[dict], dict[str, object]]], ...] = (
    (
        "litigation_appeal_filed",
        message("A party has appealed", context="notification"),
        lambda data: {"title": _title(data)},
    ),
    (
        "enforcement_accepted",
        message("Enforcement filed", context="notification"),
        lambda data: {"title": _title(data), "number": data["number"]},
    ),
    (
        "enforcement_rejected",
        message("Enforcement refused", context="notification"),
        lambda data: {"title": _title(data)},
    ),
    (
        "evidence_extension_decided",
        message("Extension decided", context="notification"),
        lambda data: {"title": _title(data), "result": data["result"]},
    ),
)
# The decision on an application to extend the evidence period (`result` of evidence_extension_decided), kept in
# the notification's data as facts (`to_data()`).
EXTENSION_REFUSED = message("Not granted", context="notification")


def extension_granted(days: int) -> dict:
    """`result` when the extension is granted for some days."""
    return message("Granted, extended by %(days)s days", context="notification", days=days).to_data()


for _name, _text, _params in _KINDS:
    notification_kinds.register(
        notification_kinds.Kind(
            name=_name, sms_template=_name, sms_params=_params, wechat_data=_wechat(_text), page=_page
        )
    )


def tell(case: Case, kind: str, users: Iterable[uuid.UUID | None], **data: object) -> list[uuid.UUID]:
    """Write one notification of `kind` per person (each once); the ids to `send` after the commit."""
    payload = {"case_id": str(case.id), "case_title": case.title, **data}
    return [
        notifications.notify(user_id=user_id, kind=kind, data=payload, subject=("case", case.id)).id
        for user_id in sorted({user for user in users if user is not None})
    ]


def send(ids: list[uuid.UUID]) -> None:
    """Dispatch notifications after the commit; a failure is logged (the notification sweep retries)."""
    for note_id in ids:
        try:
            notifications.dispatch(note_id)
        except Exception:
            log.exception("notification dispatch failed", extra={"notification_id": str(note_id)})
