"""Hostile JSON stops here: depth, number size and lone surrogates are refused before any schema or database.

Python's json module recurses once per nesting level (RecursionError near 1,000), refuses integers longer
than 4,300 digits with a ValueError, accepts NaN/Infinity, and decodes `\\ud800` escapes into lone
surrogates that no database can encode. Every JSON body is read through `parse` (the request guard and
Flask's own `get_json` both), so none of those reaches a 500. (NUL, which PostgreSQL refuses in text, is
refused by each string field: see miniprogram_api/schemas/base.py.)
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from app.i18n import mark

MAX_DEPTH = 64  # the deepest real body (a filing with parties) is 4 levels
MAX_INT_DIGITS = 40  # bigint is 19 digits: no field stores a longer integer
# No database can encode a lone surrogate, and nothing can clean one: refused in every string of a body.
# NUL is refused per field by the schemas (schemas/base.py), where a field can say its service cleans it.
BAD_TEXT = re.compile("[\ud800-\udfff]")
NUL_OR_SURROGATE = re.compile("[\ud800-\udfff\x00]")


class BadJson(ValueError):
    """A body that is not acceptable JSON at all (a 400): malformed, too deep, unreadable."""


class _Refused:
    """A value the decoder met but must not hand on (a huge integer, NaN): its field is named in the 422."""

    def __init__(self, message: str) -> None:
        self.message = message


def _parse_int(text: str) -> int | _Refused:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INT_DIGITS else _Refused(f"Integers have at most {MAX_INT_DIGITS} digits.")


def _parse_constant(text: str) -> _Refused:
    return _Refused(f"{text} is not a JSON number.")


def _parse_float(text: str) -> float | _Refused:
    value = float(text)
    return value if value - value == 0 else _Refused("Number out of range.")  # inf - inf is nan


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_constant=_parse_constant, parse_float=_parse_float)
_PLAIN = json.JSONDecoder()  # the C scanner's own int and float: no Python call per number
# What any refused value needs in the text: NaN or Infinity, an integer of more than MAX_INT_DIGITS digits, a float
# beyond range (more than MAX_INT_DIGITS digits or a three-digit exponent), a surrogate (escaped, or raw in a str).
# Without any of these, and with fewer brackets than MAX_DEPTH, the document holds nothing `problems` refuses.
_MAY_HOLD_REFUSED = re.compile(
    rf"NaN|Infinity|\d{{{MAX_INT_DIGITS + 1}}}|[eE][-+]?\d{{3}}|\\u[dD][89a-fA-F]|[\ud800-\udfff]"
)


def _text(data: bytes | str) -> str:
    try:
        return data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    except UnicodeDecodeError:
        raise BadJson("The body is not UTF-8.") from None


def _clean(text: str) -> bool:
    """The text cannot hold a value `problems` refuses (see _MAY_HOLD_REFUSED), nor nest deeper than MAX_DEPTH."""
    return text.count("[") + text.count("{") <= MAX_DEPTH and _MAY_HOLD_REFUSED.search(text) is None


def checked(data: bytes | str) -> tuple[Any, dict]:
    """`decode` and `problems` of a document in one call; BadJson as `decode` raises it.

    Most bodies are small and plain: those are decoded by the C scanner alone and need no walk (the same
    document, for int and float are what the guarded decoder calls too); any other goes the guarded way.
    """
    text = _text(data)
    if _clean(text):
        try:
            return _PLAIN.decode(text), {}
        except ValueError:
            pass  # malformed: the guarded decoder raises the same error, with its message
    value = decode(text)
    return value, problems(value)


def decode(data: bytes | str) -> Any:
    """The decoded document, possibly holding refused values; BadJson when it is not JSON at all."""
    text = _text(data)
    try:
        return _DECODER.decode(text)
    except RecursionError:  # the C decoder recurses per level; the walk in `problems` bounds the rest
        raise BadJson(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
    except json.JSONDecodeError as exc:
        raise BadJson(decode_error(exc)) from None
    except ValueError as exc:
        raise BadJson(f"Invalid JSON body: {exc}") from None


# The json module's own messages (CPython's C scanner and its Python fallback), each with its words in the
# catalogue (context "field"); the position comes from the error's fields, never from its English text.
DECODE_ERRORS = {
    "Expecting value": mark("field", "Invalid JSON body: a value was expected at line %(line)s, column %(column)s."),
    "Expecting property name enclosed in double quotes": mark(
        "field",
        "Invalid JSON body: a property name in double quotes was expected at line %(line)s, column %(column)s.",
    ),
    "Expecting ':' delimiter": mark(
        "field", "Invalid JSON body: a ':' delimiter was expected at line %(line)s, column %(column)s."
    ),
    "Expecting ',' delimiter": mark(
        "field", "Invalid JSON body: a ',' delimiter was expected at line %(line)s, column %(column)s."
    ),
    "Unterminated string starting at": mark(
        "field", "Invalid JSON body: the string starting at line %(line)s, column %(column)s is not closed."
    ),
    "Invalid control character at": mark(
        "field", "Invalid JSON body: a control character inside a string at line %(line)s, column %(column)s."
    ),
    "Invalid \\escape": mark(
        "field", "Invalid JSON body: an invalid backslash escape at line %(line)s, column %(column)s."
    ),
    "Invalid \\uXXXX escape": mark(
        "field", "Invalid JSON body: an invalid \\uXXXX escape at line %(line)s, column %(column)s."
    ),
    "Extra data": mark(
        "field", "Invalid JSON body: extra data after the JSON value at line %(line)s, column %(column)s."
    ),
    "Illegal trailing comma before end of object": mark(
        "field", "Invalid JSON body: a trailing comma before the end of an object at line %(line)s, column %(column)s."
    ),
    "Illegal trailing comma before end of array": mark(
        "field", "Invalid JSON body: a trailing comma before the end of an array at line %(line)s, column %(column)s."
    ),
}
DECODE_ERROR_UNKNOWN = mark("field", "Invalid JSON body at line %(line)s, column %(column)s.")


def decode_error(exc: json.JSONDecodeError) -> str:
    """The English field message for a decoder error, built from its fields (msg, lineno, colno).

    The HTTP layer renders it in the reader's language through the catalogue (translate_fields); a message of
    the json module this table does not know (a newer Python's) gets the generic text with the position.
    """
    template = DECODE_ERRORS.get(exc.msg, DECODE_ERROR_UNKNOWN)
    return template % {"line": exc.lineno, "column": exc.colno}


def problems(node: Any, depth: int = 1) -> dict:
    """Per-field messages (nested like marshmallow's) for every refused value or bad text in `node`.

    BadJson when containers nest deeper than MAX_DEPTH (no schema goes near it; deeper only costs stack).
    """
    if depth > MAX_DEPTH and isinstance(node, dict | list):
        raise BadJson(f"JSON nested deeper than {MAX_DEPTH} levels.")
    found: dict = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if BAD_TEXT.search(key):
                found["_schema"] = ["A field name holds a character text cannot hold."]
                continue
            _add(found, key, value, depth)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _add(found, str(index), value, depth)
    else:
        message = _message(node)
        if message:
            found["_schema"] = [message]
    return found


def _add(found: dict, key: str, value: Any, depth: int) -> None:
    if isinstance(value, dict | list):
        inner = problems(value, depth + 1)
        if inner:
            found[key] = inner
        return
    message = _message(value)
    if message:
        found[key] = [message]


def _message(value: Any) -> str | None:
    if isinstance(value, _Refused):
        return value.message
    if isinstance(value, str) and BAD_TEXT.search(value):
        return "Text may not hold unpaired surrogate characters."
    return None


def parse(data: bytes | str) -> Any:
    """The decoded document, or BadJson when it is malformed, too deep or holds a value no field may take."""
    value, found = checked(data)
    if found:
        raise BadJson("The body holds values that are refused.")
    return value


def loads(data: bytes | str) -> Any:
    """json.loads for JSON held inside a form field: the same limits as a body (ValueError when refused)."""
    return parse(data)


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with the same limits, so `request.get_json` (rate-limit keys...) cannot 500 either."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Decode with the limits; a refused document raises ValueError (get_json(silent=True) gives None)."""
        return parse(s)


def install(app: Flask) -> None:
    """Use the guarded provider for every JSON the app decodes."""
    app.json = GuardedJSONProvider(app)
