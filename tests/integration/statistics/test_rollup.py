"""Rolling a day: idempotent, past days only (after a settling time), the missing ones in a window."""

import datetime as dt

import pytest

from app.errors import ValidationFailed
from app.extensions import db
from app.statistics import rollup as statistics_rollup
from app.statistics.models import COUNTS, StatsDaily, StatsDayRolled
from app.utils.clock import SHANGHAI
from tests.integration.statistics.world import DAYS, FIRST_DAY, NOW, TODAY, World, add_case, build, shanghai
from tests.support.factories import make_court, make_user


def rows_of(day: dt.date) -> list[tuple]:
    found = db.session.query(StatsDaily).filter(StatsDaily.day == day)
    return sorted(
        (r.grain, str(r.court_id), str(r.org_id), r.kind, *(getattr(r, name) for name in COUNTS)) for r in found
    )


def test_rolling_a_day_twice_writes_the_same_rows(app, clock):
    clock.set(NOW)
    build(per_day=5)
    day = FIRST_DAY + dt.timedelta(days=7)
    written = statistics_rollup.rollup_day(day)
    first, mark = rows_of(day), db.session.get(StatsDayRolled, day)
    seen, rolled_at = mark.cases_seen, mark.rolled_at
    clock.advance(hours=1)
    assert statistics_rollup.rollup_day(day) == written == len(first)
    assert rows_of(day) == first and seen > 0
    again = db.session.get(StatsDayRolled, day)
    assert again.cases_seen == seen and again.rolled_at > rolled_at
    assert db.session.query(StatsDaily).count() == written  # nothing else touched
    assert statistics_rollup.rollup_day(day, unless_rolled=True) is None  # an overlapping run's way out
    assert db.session.get(StatsDayRolled, day).rolled_at == again.rolled_at and rows_of(day) == first


def test_only_days_that_are_over_are_rolled(app, clock):
    clock.set(dt.datetime(2026, 11, 10, 0, 3, tzinfo=SHANGHAI))  # three minutes into the 10th
    yesterday = dt.date(2026, 11, 9)
    for day in (dt.date(2026, 11, 10), dt.date(2026, 11, 11), yesterday):  # yesterday: not settled yet
        with pytest.raises(ValidationFailed):
            statistics_rollup.rollup_day(day)
    clock.set(dt.datetime(2026, 11, 10, 0, 6, tzinfo=SHANGHAI))
    assert statistics_rollup.last_rollable_day() == yesterday
    statistics_rollup.rollup_day(yesterday)
    assert db.session.get(StatsDayRolled, yesterday).cases_seen == 0


def test_rollup_missing_rolls_each_unrolled_day_from_the_first_filing(app, clock):
    clock.set(NOW)
    assert statistics_rollup.rollup_missing().as_dict() == {"days": 0, "rows": 0, "not_over": 0}  # no cases
    build(per_day=2)
    statistics_rollup.rollup_day(FIRST_DAY + dt.timedelta(days=3))
    done = statistics_rollup.rollup_missing()
    assert done.days == DAYS - 1 and done.rows > 0
    rolled = {r.day for r in db.session.query(StatsDayRolled)}
    assert rolled == {FIRST_DAY + dt.timedelta(days=n) for n in range(DAYS)}  # up to yesterday, not today
    assert statistics_rollup.rollup_missing().days == 0
    clock.advance(days=2)
    assert statistics_rollup.rollup_missing().days == 2  # today and the day after, now over


def test_rollup_missing_looks_back_max_days_only(app, clock):
    clock.set(NOW)
    world = World(courts=[make_court()], orgs=[], filer=make_user())
    add_case(
        world, kind="litigation", court=world.courts[0], org=None, submitted=shanghai(FIRST_DAY, 60), off_hours=False
    )
    db.session.commit()
    assert statistics_rollup.rollup_missing(max_days=5).days == 5
    assert min(r.day for r in db.session.query(StatsDayRolled)) == TODAY - dt.timedelta(days=5)


def test_a_range_is_rerolled_whole_and_days_not_over_are_counted(app, clock):
    clock.set(NOW)
    build(per_day=1)
    statistics_rollup.rollup_missing()
    done = statistics_rollup.rollup_range(TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=1))
    assert (done.days, done.not_over) == (3, 2) and done.rows > 0
    with pytest.raises(ValidationFailed):
        statistics_rollup.rollup_range(TODAY, TODAY - dt.timedelta(days=1))
