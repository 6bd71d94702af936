"""The app's Flask class: what it changes of Flask's own behaviour, and that nothing else changes with it."""

from __future__ import annotations

import inspect

import pytest

from app import MicroCourtFlask


def test_ensure_sync_answers_once_per_plain_function(monkeypatch):
    app = MicroCourtFlask(__name__)
    asked = []
    real = inspect.iscoroutinefunction

    def counting(func):
        asked.append(func)
        return real(func)

    monkeypatch.setattr("flask.app.iscoroutinefunction", counting)

    def view():
        return "ok"

    assert app.ensure_sync(view) is view
    assert app.ensure_sync(view) is view
    assert asked == [view]


def test_ensure_sync_still_refuses_or_wraps_a_coroutine_function():
    app = MicroCourtFlask(__name__)

    async def view():
        return "ok"

    try:
        wrapped = app.ensure_sync(view)
    except RuntimeError as refused:  # Flask without its async extra: refused exactly as by Flask itself
        assert "async" in str(refused).lower()
    else:
        assert wrapped is not view
        assert wrapped() == "ok"


def test_ensure_sync_of_a_bound_method_is_flasks_answer():
    app = MicroCourtFlask(__name__)

    class Hooks:
        def before(self):
            return None

    hooks = Hooks()
    assert app.ensure_sync(hooks.before) == hooks.before


@pytest.mark.parametrize("path", ["/api/public/v1/healthz"])
def test_requests_run_through_the_remembered_hooks(path):
    from app import create_app

    app = create_app()
    with app.test_client() as client:
        assert client.get(path).status_code == 200
        assert client.get(path).status_code == 200
    assert app._sync  # the hooks and the view were remembered
