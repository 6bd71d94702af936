"""What other domains do when a case ends (settled, failed, withdrawn, rejected ...): a registry of hooks.

Cases sits below scheduling, so it cannot cancel a case's sessions itself; scheduling registers its hook here
and `app.wiring` connects it once. `lifecycle.transition` runs the hooks inside the caller's transaction, so
the cancellations commit (or roll back) with the status change that caused them.

A hook may also register the read it makes of every case that ends (`register_read`: a column built once). A hook
that runs before it and sends a statement anyway may carry the registered reads in that statement (scheduling's
cancellation of the sessions, on PostgreSQL) and hand their values over (`hand_over`); the reading hook then takes
its value (`read_value`) instead of sending a statement of its own (issue 18). The values live only while the
case's hooks run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement

from app.cases.models import Case
from app.extensions import db
from app.security.permissions import Principal

# (case, the state it reached, who caused it or None for the system); what a hook returns is ignored
Hook = Callable[[Case, str, Principal | None], object]

# The states after which nothing is left to meet about: a settled mediation may still go to the court for
# confirmation, but not to another session.
ENDED: dict[str, frozenset[str]] = {
    "mediation": frozenset({"settled", "failed", "withdrawn", "confirmed", "confirmation_rejected"}),
    "litigation": frozenset({"rejected", "withdrawn", "adjudicated", "appealed", "effective", "closed"}),
}

_hooks: dict[str, Hook] = {}
_ENDING = "cases.ending"  # in the session's info: the ids of the cases whose end hooks are running
_reads: dict[str, ColumnElement[Any]] = {}
_registered_reads: tuple[tuple[str, ColumnElement[Any]], ...] = ()
_READ_VALUES = "cases.ending_reads"  # in the session's info: {case id: {read name: its value}}
NOT_READ = object()  # `read_value`'s answer when no hook carried the read


def register(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = hook


def has_ended(kind: str, status: str) -> bool:
    """Whether a case of this kind in this state has ended."""
    return status in ENDED.get(kind, frozenset())


def case_ended(case: Case, status: str, actor: Principal | None) -> None:
    """Run every hook for a case that just reached an end state (the caller commits), in the order registered."""
    ending = db.session.info.setdefault(_ENDING, set())
    ending.add(case.id)
    try:
        for hook in list(_hooks.values()):
            hook(case, status, actor)
    finally:
        ending.discard(case.id)
        values = db.session.info.get(_READ_VALUES)
        if values:
            values.pop(case.id, None)


def is_ending(case_id: uuid.UUID) -> bool:
    """Whether this case's end hooks are running now (a hook registered later will still see the case)."""
    return case_id in db.session.info.get(_ENDING, ())


def register_read(name: str, column: ColumnElement[Any]) -> None:
    """Register (or replace) the read called `name` that a hook makes of every case that ends: a scalar column
    (built once) whose only bound parameter is `ended_case_id`, and whose value nothing a hook writes changes (an
    earlier hook may read it before its own writes)."""
    global _registered_reads
    _reads[name] = column
    _registered_reads = tuple(_reads.items())


def reads() -> tuple[tuple[str, ColumnElement[Any]], ...]:
    """The registered reads, (name, column) in the order registered: the same tuple until one is registered, so a
    statement carrying them is built once per tuple."""
    return _registered_reads


def hand_over(case_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    """The values of the registered reads (by name), read by a hook of the case whose hooks are running now."""
    if case_id in db.session.info.get(_ENDING, ()):
        db.session.info.setdefault(_READ_VALUES, {}).setdefault(case_id, {}).update(values)


def read_value(case_id: uuid.UUID, name: str) -> Any:
    """The value of the read `name` an earlier hook of this ending case handed over (taken: once), else NOT_READ
    (the hook reads it itself)."""
    values = db.session.info.get(_READ_VALUES, {}).get(case_id)
    return NOT_READ if values is None else values.pop(name, NOT_READ)
