"""The single place that reads the current time; tests replace the source with a fake clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _system_now() -> dt.datetime:
    return dt.datetime.now(UTC)


_source: Callable[[], dt.datetime] = _system_now


def now() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return _source()


def now_shanghai() -> dt.datetime:
    """Return the current time in Asia/Shanghai (the zone of every calendar rule)."""
    return now().astimezone(SHANGHAI)


def set_source(source: Callable[[], dt.datetime]) -> None:
    """Replace where the time comes from (tests only)."""
    global _source
    _source = source


def reset() -> None:
    """Go back to the system clock."""
    set_source(_system_now)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Convert an aware datetime to UTC; a naive one is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: a time zone offset is required")
    return value.astimezone(UTC)


class FakeClock:
    """A controllable clock for tests: frozen until moved with `advance` or `set`."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = as_utc(start) if start else dt.datetime(2026, 11, 2, 2, 0, tzinfo=UTC)

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by a timedelta given as keyword arguments (seconds=, days= ...)."""
        self.current = self.current + dt.timedelta(**delta)
        return self.current

    def set(self, value: dt.datetime) -> dt.datetime:
        """Jump to an aware datetime."""
        self.current = as_utc(value)
        return self.current
