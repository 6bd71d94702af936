"""Keeps rolled days of stats_daily exact when a counted column of a case changes after its day was rolled.

A case adds a filing vector to its submitted day and, once a mediation is concluded, a conclusion vector
to its concluded day, each to the day's total, court and organisation rows it belongs to. When the ORM
inserts, updates or deletes a case, the difference between its old and new contributions is added to
the rows of the days already rolled, under that day's lock (the roll-up takes the same lock, so neither
works from a snapshot the other is changing). Filings and conclusions land on today, which is never
rolled, so they cost nothing; what does reach a past day is, today, a court's dispute getting its
organisation when a mediator is chosen (one organisation row more for that day). Writes that bypass the
ORM (bulk SQL, data loads) are not seen: re-roll those days (`flask stats-rollup --from ... --to ...`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping

from sqlalchemy import delete, event, func, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import History

from app.cases import Case
from app.statistics.models import COUNTS, Key, StatsDayRolled, daily_table, row_keys
from app.utils import clock
from app.utils.ids import new_id

TRACKED = (
    "submitted_at",
    "concluded_at",
    "kind",
    "court_id",
    "org_id",
    "filed_off_hours",
    "outcome",
    "concluded_on_working_day",
)
ADVISORY_LOCK_SPACE = 0x5354  # first key of pg_advisory_xact_lock(space, day ordinal): "ST"

_daily = daily_table()


def lock_day(connection: Connection, day: dt.date) -> None:
    """Serialise rolling a day with changes to its cases (PostgreSQL; SQLite has a single writer anyway)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_SPACE, day.toordinal())))


def day_of(at: dt.datetime) -> dt.date:
    """The Asia/Shanghai day of an instant."""
    return clock.as_utc(at).astimezone(clock.SHANGHAI).date()


def contributions(values: Mapping[str, object]) -> dict[Key, Counter]:
    """What one case, with these column values, adds to stats_daily."""
    out: dict[Key, Counter] = defaultdict(Counter)
    kind, off_hours = values["kind"], values["filed_off_hours"]

    def add(at: object, vector: dict[str, int]) -> None:
        for key in row_keys(day_of(at), values["court_id"], values["org_id"], kind):  # type: ignore[arg-type]
            out[key].update(vector)

    if values["submitted_at"] is not None:
        add(
            values["submitted_at"],
            {"filings": 1, "filed_off_hours": int(off_hours is True), "filed_known_hours": int(off_hours is not None)},
        )
    if values["concluded_at"] is not None and kind == "mediation":
        outcome = values["outcome"]
        working = int(values["concluded_on_working_day"] is True)
        add(
            values["concluded_at"],
            {
                "settled": int(outcome == "settled"),
                "failed": int(outcome == "failed"),
                "concluded_on_working_days": working,
            },
        )
    return out


def difference(old: Mapping[str, object] | None, new: Mapping[str, object] | None) -> dict[Key, dict[str, int]]:
    """The non-zero changes to stats_daily when a case goes from `old` to `new` (None: absent)."""
    before = contributions(old) if old else {}
    after = contributions(new) if new else {}
    changes = {}
    for key in before.keys() | after.keys():
        change = {name: after.get(key, Counter())[name] - before.get(key, Counter())[name] for name in COUNTS}
        change = {name: value for name, value in change.items() if value}
        if change:
            changes[key] = change
    return changes


def apply(connection: Connection, changes: dict[Key, dict[str, int]]) -> None:
    """Add the changes to the rolled past days they fall on; days not rolled are computed live anyway."""
    today = clock.now_shanghai().date()
    by_day: dict[dt.date, list[Key]] = defaultdict(list)
    for key in changes:
        if key[0] < today:
            by_day[key[0]].append(key)
    for day in sorted(by_day):
        lock_day(connection, day)
        rolled = select(StatsDayRolled.day).where(StatsDayRolled.day == day)
        if connection.scalar(rolled) is None:
            continue
        if not all(_add(connection, key, changes[key]) for key in sorted(by_day[day], key=repr)):
            connection.execute(delete(StatsDayRolled).where(StatsDayRolled.day == day))


def _add(connection: Connection, key: Key, change: dict[str, int]) -> bool:
    """Add to one row of the key (several may exist; they add up); False if the summary cannot be right."""
    day, grain, court_id, org_id, kind = key
    match = [
        _daily.c.day == day,
        _daily.c.grain == grain,
        _daily.c.kind == kind,
        _daily.c.court_id.is_(None) if court_id is None else _daily.c.court_id == court_id,
        _daily.c.org_id.is_(None) if org_id is None else _daily.c.org_id == org_id,
    ]
    one = select(_daily.c.id).where(*match).limit(1).scalar_subquery()
    values = {name: _daily.c[name] + value for name, value in change.items()}
    if connection.execute(update(_daily).where(_daily.c.id == one).values(values)).rowcount:
        return True
    if any(value < 0 for value in change.values()):
        return False  # taking away what was never counted: the day is recomputed live until re-rolled
    row = {name: change.get(name, 0) for name in COUNTS}
    connection.execute(
        insert(_daily).values(id=new_id(), day=day, grain=grain, court_id=court_id, org_id=org_id, kind=kind, **row)
    )
    return True


def _stored(connection: Connection, case_id: uuid.UUID) -> dict[str, object]:
    """The row as committed (locked, so no one changes it under us; old values of unloaded attributes)."""
    query = select(*(getattr(Case, name) for name in TRACKED)).where(Case.id == case_id).with_for_update()
    return dict(connection.execute(query).mappings().one())


@event.listens_for(Case, "after_insert")
def _case_inserted(_mapper: object, connection: Connection, target: Case) -> None:
    state = inspect(target).dict
    apply(connection, difference(None, {name: state.get(name) for name in TRACKED}))


@event.listens_for(Case, "before_update")
def _case_updating(_mapper: object, connection: Connection, target: Case) -> None:
    attrs = inspect(target).attrs
    histories = {name: attrs[name].history for name in TRACKED}
    if not any(history.has_changes() for history in histories.values()):
        return
    loaded = _loaded_before(histories)
    if loaded is not None and not _reaches_a_past_day(difference(loaded, _changed(loaded, histories))):
        return  # a conclusion today, an organisation chosen on the filing day: no rolled day can be touched
    old = _stored(connection, target.id)
    apply(connection, difference(old, _changed(old, histories)))


def _loaded_before(histories: Mapping[str, History]) -> dict[str, object] | None:
    """The tracked columns as this transaction loaded them, or None if one was not loaded (then only the row can
    tell). The case is loaded under its row lock by the writes that change these columns, so they are the stored
    values; `_case_updating` reads the row itself only when the change would reach a past day, where it must be
    exact."""
    values: dict[str, object] = {}
    for name, history in histories.items():
        if history.deleted:
            values[name] = history.deleted[0]
        elif history.unchanged:
            values[name] = history.unchanged[0]
        else:
            return None  # set without being loaded, or never loaded
    return values


def _changed(old: Mapping[str, object], histories: Mapping[str, History]) -> dict[str, object]:
    new = dict(old)
    for name, history in histories.items():
        if history.added:
            new[name] = history.added[0]
        elif history.deleted:
            new[name] = None
    return new


def _reaches_a_past_day(changes: Mapping[Key, object]) -> bool:
    """Whether `apply` would touch a day at all: it only adds to days before today (today is never rolled)."""
    today = clock.now_shanghai().date()
    return any(key[0] < today for key in changes)


@event.listens_for(Case, "before_delete")
def _case_deleting(_mapper: object, connection: Connection, target: Case) -> None:
    apply(connection, difference(_stored(connection, target.id), None))
