"""What hearings announce beyond the timeline: webhook events for court systems and the hearing reminder's kind.

Court systems may subscribe to `hearing.scheduled`, `hearing.postponed`, `hearing.cancelled` and `hearing.held`
(registered in app/wiring.py). The delivery rows are written in the hearing's transaction and sent after its
commit (`after_commit`); a lost send is retried by the webhook sweep.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from app.cases import Case
from app.extensions import db
from app.i18n import Message, message
from app.integrations.wechat import subscribe_value
from app.notifications import kinds as notification_kinds
from app.scheduling.models import MediationSession
from app.utils import clock
from app.webhooks import deliveries as webhooks

log = logging.getLogger(__name__)
WEBHOOK_EVENTS = ("hearing.scheduled", "hearing.postponed", "hearing.cancelled", "hearing.held")
_PENDING = "microcourt.hearing_webhooks"

# The reminder of a hearing says "开庭" / "庭前会议", not "调解": its own template `hearing_reminder` in
# app/integrations/sms.py. Its words are catalogue messages, written in the recipient's language when sent.


def _starts(data: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(data["starts_at"])


def _place(data: dict) -> Message:
    what = (
        message("pre-trial meeting", context="notification")
        if data.get("kind") == "pretrial_meeting"
        else message("hearing", context="notification")
    )
    where = data.get("location") or (message("online", context="notification") if data.get("mode") == "video" else "")
    return message("%(what)s %(where)s", context="notification", what=what, where=where) if where else what


def _what(data: dict) -> Message:
    """The SMS's words for the sitting: "开庭" or "召开庭前会议" (a hearing or a pre-trial meeting)."""
    if data.get("kind") == "pretrial_meeting":
        return message("a pre-trial meeting", context="notification")
    return message("a hearing", context="notification")


notification_kinds.register(
    notification_kinds.Kind(
        name="hearing_reminder",
        sms_template="hearing_reminder",
        sms_params=lambda data: {
            "title": subscribe_value("thing", data["case_title"]),
            "time": _starts(data),  # written as the reader's language writes a time
            "what": _what(data),
        },
        wechat_data=lambda data: {
            "thing1": data["case_title"],
            "time2": _starts(data),
            "thing3": _place(data),
        },
        page=lambda data: f"pages/session/detail?id={data['session_id']}",
    )
)


def publish(case: Case, session: MediationSession, event_type: str, *, reason: str | None = None) -> None:
    """Write the webhook deliveries of one hearing event for the case's court (the caller commits)."""
    if case.court_id is None:
        return
    payload = {
        "case_id": str(case.id),
        "case_number": case.case_number,
        "hearing_id": str(session.id),
        "kind": session.kind,
        "status": session.status,
        "starts_at": session.starts_at.astimezone(clock.SHANGHAI).isoformat(),
        "ends_at": session.ends_at.astimezone(clock.SHANGHAI).isoformat(),
        "mode": session.mode,
        "courtroom_id": str(session.courtroom_id) if session.courtroom_id else None,
        "reason": reason,
    }
    event = webhooks.Event(
        id=uuid.uuid4(), type=event_type, court_id=case.court_id, at=clock.now(), data=lambda: payload
    )
    db.session.info.setdefault(_PENDING, []).extend(webhooks.record([event]))


def after_commit() -> None:
    """Start sending the deliveries written by the committed transaction (the sweep retries a failure)."""
    ids = db.session.info.pop(_PENDING, [])
    if not ids:
        return
    try:
        webhooks.dispatch(ids)
    except Exception:  # committed rows are sent by the sweep
        log.exception("hearing webhook dispatch failed")
