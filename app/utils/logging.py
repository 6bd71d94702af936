"""JSON-line logging with the request id on every record."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from app.utils.request_context import current_request_id

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object per line; extra fields are kept as keys."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in payload:
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """Human-readable lines for a developer's terminal, still carrying the request id."""

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", current_request_id())
        return super().format(record)


def configure(level: str = "INFO", json_lines: bool = True) -> None:
    """Install one stderr handler on the root logger (idempotent across app factories)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_microcourt", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._microcourt = True  # type: ignore[attr-defined]
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("alembic.runtime.plugins", "botocore", "urllib3", "celery.utils.functional"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
