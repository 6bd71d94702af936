"""Texts stored as facts and rendered when read (issue 21): a catalogue entry and its values, not its words.

A timeline entry, a deadline explanation or a work item is written once and read later by people who read
different languages. The writer keeps a `Message`: the catalogue context, the English template (the msgid, with
`%(name)s` placeholders) and the values (names, numbers, dates: never translated). A value may itself be a
`Message` (a state, a kind, a role: a term with its own catalogue entry), rendered in the same language.
`to_data()` is the JSON kept with the row; `from_data()` reads it back; `render(language)` gives the words.

Where the code writes one (the scan in app/i18n/sources.py finds each literal and makes it a catalogue entry):

- `message("English %(name)s template", name=value)`: a timeline entry (context "timeline");
- `message("...", context="deadline", ...)` or any other literal context;
- `label(kind, code)`: a machine code's words (a case state, a kind, a role) from a table of `mark()`ed
  labels in app/i18n/labels.py; a code the table does not know stays as the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from app.i18n import catalogue
from app.i18n.languages import DEFAULT_LANGUAGE

TIMELINE = "timeline"


@dataclass(frozen=True)
class Message:
    """One catalogue entry with its values: rendered in the reader's language when read."""

    context: str
    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, language: str = DEFAULT_LANGUAGE) -> str:
        values = {name: _rendered(value, language) for name, value in self.params.items()}
        return catalogue.render(self.context, self.msgid, language, values)

    def to_data(self) -> dict:
        """The JSON form kept with a stored row."""
        return {
            "context": self.context,
            "id": self.msgid,
            "params": {name: _data(value) for name, value in self.params.items()},
        }

    def fill(self, **params: object) -> Message:
        """The same entry with these values (a table of messages written once, filled where used)."""
        return Message(self.context, self.msgid, {name: _plain(value) for name, value in params.items()})

    @classmethod
    def from_data(cls, data: object) -> Message | None:
        """A stored message back, or None when the data is not one (an old row, a hand-edited value)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
            return None
        params = data.get("params") if isinstance(data.get("params"), Mapping) else {}
        values: dict[str, object] = {}
        for name, value in params.items():  # type: ignore[union-attr]
            values[str(name)] = _read(value)
        return cls(str(data.get("context") or TIMELINE), data["id"], values)

    def __str__(self) -> str:  # a message used where a string is expected reads in the default language
        return self.render(DEFAULT_LANGUAGE)


SEPARATORS = {"zh": "、", "en": ", "}  # a list of values (several grounds, several items) joined for a reader


def _data(value: object) -> object:
    if isinstance(value, Message):
        return value.to_data()
    if isinstance(value, list):
        return [_data(item) for item in value]
    return value


def _read(value: object) -> object:
    if isinstance(value, Mapping):
        nested = Message.from_data(value)
        return nested if nested is not None else str(value)
    if isinstance(value, list):
        return [_read(item) for item in value]
    return value


def _plain(value: object) -> object:
    """A value as JSON keeps it: a date as its ISO text, a Decimal as its digits, a message as it is."""
    if isinstance(value, Message) or value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _rendered(value: object, language: str) -> object:
    if isinstance(value, Message):
        return value.render(language)
    if isinstance(value, list):
        return SEPARATORS.get(language, ", ").join(str(_rendered(item, language)) for item in value)
    return "" if value is None else value


def message(msgid: str, /, **params: object) -> Message:
    """A text to be rendered when read: `message("%(name)s signed the agreement.", name=party.name)`.

    The msgid must be a literal at the call (the catalogue scan reads it); the values are facts, not words.
    `context="deadline"` (a literal) names another context than "timeline".
    """
    context = str(params.pop("context", TIMELINE))
    return Message(context, msgid, {name: _plain(value) for name, value in params.items()})


def render_data(data: object, language: str, fallback: str) -> str:
    """A stored message's words in a language, or the fallback (the stored text) when there is none."""
    found = Message.from_data(data)
    return found.render(language) if found is not None else fallback
