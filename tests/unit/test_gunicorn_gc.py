"""gunicorn.conf.py freezes the built app's heap, so a worker's full collections walk only what serving creates."""

from __future__ import annotations

import gc
import runpy
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def conf() -> Iterator[dict]:
    """gunicorn.conf.py's namespace; the collector's permanent generation is emptied again afterwards."""
    gc.unfreeze()
    try:
        yield runpy.run_path(str(CONF))
    finally:
        gc.unfreeze()


def test_the_master_freezes_its_heap_before_each_fork(conf):
    built = [[n] for n in range(1000)]  # what a preloaded app holds
    conf["pre_fork"](types.SimpleNamespace(), types.SimpleNamespace())
    frozen = gc.get_freeze_count()
    assert frozen >= len(built)
    assert gc.get_count()[0] < 100  # nothing left in the young generation to be walked again
    more = [[n] for n in range(1000)]  # a worker re-forked later: what the master made since is frozen too
    conf["pre_fork"](types.SimpleNamespace(), types.SimpleNamespace())
    assert gc.get_freeze_count() >= frozen + len(more)


def test_a_worker_freezes_its_heap_once_it_has_the_app(conf):
    worker = types.SimpleNamespace(wsgi=Flask("hello"))  # not Micro Court: no embedded scheduler starts
    conf["post_worker_init"](worker)
    assert gc.get_freeze_count() > 0


def test_startup_garbage_is_collected_not_frozen(conf):
    class Node:
        other: object = None

    def cycle_count() -> int:
        return sum(isinstance(o, Node) for o in gc.get_objects())

    for _ in range(100):
        a, b = Node(), Node()
        a.other, b.other = b, a  # unreachable once the loop moves on: only the collector frees it
    del a, b
    conf["pre_fork"](types.SimpleNamespace(), types.SimpleNamespace())
    gc.unfreeze()
    assert cycle_count() == 0
