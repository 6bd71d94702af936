"""A read an end hook registers (`end_hooks.register_read`) is handed over by the hook that carries it and lives
only while the case's hooks run: taken once, dropped when they end (a hook that fails included), never kept for a
case whose hooks are not running (issue 18: video's rooms come with scheduling's cancellation on PostgreSQL)."""

from __future__ import annotations

import types
import uuid

import pytest

from app.cases import end_hooks
from app.extensions import db


def test_a_read_handed_over_is_taken_once_and_not_kept_past_the_hooks(app, monkeypatch):
    monkeypatch.setattr(end_hooks, "_hooks", {})
    case = types.SimpleNamespace(id=uuid.uuid4())
    seen: list[object] = []
    end_hooks.register("carrier", lambda case, status, actor: end_hooks.hand_over(case.id, {"rooms": [1]}))
    end_hooks.register(
        "reader", lambda case, status, actor: seen.extend(end_hooks.read_value(case.id, "rooms") for _ in "12")
    )
    end_hooks.case_ended(case, "failed", None)  # type: ignore[arg-type]
    assert seen == [[1], end_hooks.NOT_READ]
    end_hooks.hand_over(case.id, {"rooms": [2]})  # its hooks are not running: nothing is kept
    assert end_hooks.read_value(case.id, "rooms") is end_hooks.NOT_READ
    assert case.id not in db.session.info.get("cases.ending_reads", {})


def test_a_failing_hook_leaves_no_read_behind(app, monkeypatch):
    monkeypatch.setattr(end_hooks, "_hooks", {})
    case = types.SimpleNamespace(id=uuid.uuid4())

    def carry_then_fail(case, status, actor):
        end_hooks.hand_over(case.id, {"rooms": [1]})
        raise RuntimeError("a hook failed")

    end_hooks.register("carrier", carry_then_fail)
    with pytest.raises(RuntimeError):
        end_hooks.case_ended(case, "failed", None)  # type: ignore[arg-type]
    assert end_hooks.read_value(case.id, "rooms") is end_hooks.NOT_READ
    assert not end_hooks.is_ending(case.id)
