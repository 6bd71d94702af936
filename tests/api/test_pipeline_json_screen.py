"""The request guard's quick way for plain JSON answers exactly as the guarded decoder and its walk."""

from __future__ import annotations

import json
import random

import pytest

from miniprogram_api import json_input


def _guarded(data: bytes | str) -> tuple[object, dict] | str:
    """What the guard answered before the quick way: decode, then walk (or the BadJson message)."""
    try:
        value = json_input.decode(data)
        return value, json_input.problems(value)
    except json_input.BadJson as exc:
        return str(exc)


def _checked(data: bytes | str) -> tuple[object, dict] | str:
    try:
        return json_input.checked(data)
    except json_input.BadJson as exc:
        return str(exc)


def _same(data: bytes | str) -> None:
    expected, got = _guarded(data), _checked(data)
    if isinstance(expected, str):
        assert got == expected
        return
    assert not isinstance(got, str)
    assert got[1] == expected[1]
    if not expected[1]:  # a document without problems holds no refused placeholders: equal values
        assert json.dumps(got[0], sort_keys=True) == json.dumps(expected[0], sort_keys=True)
        assert type(got[0]) is type(expected[0])


PLAIN: list[bytes | str] = [
    b'{"title": "\xe5\x80\x9f\xe6\xac\xbe", "amount": "12000.00", "n": 12, "f": 1.5e10, "ok": true, "x": null}',
    b"[1, -0, 0.0, -2.5E+99, 123456789012345678901234567890123456789]",
    b'"\\u8c03\\u89e3"',
    b"  {}  ",
    b"[[[[[]]]]]",
    '{"a": "\u8c03"}',
]
HOSTILE: list[bytes | str] = [
    b'{"n": 1' + b"0" * 40 + b"}",
    b'{"n": -1' + b"0" * 4400 + b"}",
    b'{"f": 1e400}',
    b'{"f": -1e309, "g": 1e-400}',
    b"[NaN, Infinity, -Infinity]",
    b'{"s": "\\ud800"}',
    b'{"\\udc00": 1}',
    b'{"s": "\\uD83D\\uDE00"}',
    '{"s": "\ud800"}',
    b"[" * 64 + b"]" * 64,
    b"[" * 65 + b"]" * 65,
    b"[" * 100000,
    b'{"a": }',
    b'{"a": 1,}',
    b"[1, 2] x",
    b"\xff\xfe",
    b'"unterminated',
    b'{"NaN": "Infinity e123 \\\\ud800"}',
    b"",
]


@pytest.mark.parametrize("data", PLAIN + HOSTILE)
def test_the_quick_way_agrees_with_the_guarded_decoder(data):
    _same(data)


def test_plain_bodies_take_the_quick_way_and_hostile_ones_do_not():
    assert all(json_input._clean(json_input._text(data)) for data in PLAIN)
    guarded_way = [data for data in HOSTILE[:12] if data != b"[" * 64 + b"]" * 64]  # 64 levels are allowed
    assert not any(json_input._clean(json_input._text(data)) for data in guarded_way)


def test_random_documents_agree():
    rng = random.Random(18)
    atoms = [
        "0",
        "-1",
        "1e5",
        "2.5",
        "1" * 41,
        "1e999",
        "NaN",
        '"a"',
        '"\\ud83d"',
        '"\\u00e9"',
        "true",
        "null",
        '"e123"',
    ]

    def document(depth: int) -> str:
        roll = rng.random()
        if depth > 70 or roll < 0.4:
            return rng.choice(atoms)
        if roll < 0.7:
            return "[" + ", ".join(document(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        return "{" + ", ".join(f'"k{i}": {document(depth + 1)}' for i in range(rng.randint(0, 3))) + "}"

    for _ in range(400):
        text = document(0)
        _same(text)
        _same(text.encode())
        _same(text[: rng.randint(0, len(text))])  # cut short: malformed, mostly
