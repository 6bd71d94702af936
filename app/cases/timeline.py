"""The case timeline: append-only events with who, when, from, to and why.

An entry's words are a catalogue message (issue 21): the recorder passes `app.i18n.message(...)` (an English
msgid with named placeholders and the facts that fill them); the message is kept in `data["summary_message"]`
and rendered in the reader's language when read (`summary_in`). `summary` keeps the Chinese rendering, for
readers of the column (search, exports) and for old rows, which have no message and read their stored text.
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import Case, TimelineEvent
from app.extensions import db
from app.i18n import DEFAULT_LANGUAGE, Message, render_data
from app.security.permissions import Principal
from app.utils import clock


def record(
    case: Case,
    event_type: str,
    *,
    actor: Principal | None,
    actor_role: str,
    summary: Message | str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict | None = None,
) -> TimelineEvent:
    """Append one event in the caller's transaction (server time only); `summary` is a catalogue message."""
    data = _with_message(data, summary)
    event = TimelineEvent(
        case_id=case.id,
        at=clock.now(),
        type=event_type,
        actor_user_id=actor.user_id if actor is not None else None,
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        summary=_stored(summary),
        reason=reason,
        data=data or {},
    )
    db.session.add(event)
    return event


def events_for(case: Case) -> list[TimelineEvent]:
    """Every event of a case, oldest first."""
    query = select(TimelineEvent).where(TimelineEvent.case_id == case.id)
    return list(db.session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))


MESSAGE_KEY = "summary_message"  # data's key for the entry's message (context, msgid, params)


def _stored(summary: Message | str) -> str:
    """The text kept in the column: the message in Chinese (the default language), or a plain string as given."""
    text = summary.render(DEFAULT_LANGUAGE) if isinstance(summary, Message) else summary
    return text[:500]


def _with_message(data: dict | None, summary: Message | str) -> dict:
    if not isinstance(summary, Message):
        return dict(data or {})
    return {**(data or {}), MESSAGE_KEY: summary.to_data()}


def retell(event: TimelineEvent, summary: Message, data: dict | None = None) -> None:
    """Replace a pending event's words (and data, when given) once the recorder knows more (a case number)."""
    event.data = _with_message(event.data if data is None else data, summary)
    event.summary = _stored(summary)


def message_of(event: TimelineEvent) -> Message | None:
    """The event's stored message, or None for an old row written as plain text."""
    return Message.from_data((event.data or {}).get(MESSAGE_KEY))


def summary_in(event: TimelineEvent, language: str) -> str:
    """The event's words in a language: its message rendered, or the stored text for an old row."""
    return render_data((event.data or {}).get(MESSAGE_KEY), language, event.summary)


def read(event: TimelineEvent, language: str) -> dict:
    """An event as a reader sees it: the machine fields as stored, the words in the reader's language."""
    return {
        "at": event.at,
        "type": event.type,
        "actor_role": event.actor_role,
        "summary": summary_in(event, language),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
    }
