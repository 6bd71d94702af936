"""The figures are identical whether days come from the daily summary or are counted live from `cases`."""

import datetime as dt
import random

from app.extensions import db
from app.statistics import rollup as statistics_rollup
from app.statistics.models import StatsDaily
from tests.integration.statistics.world import DAYS, FIRST_DAY, NOW, TODAY, build, figures, live_figures


def roll_some(seed: int) -> set[dt.date]:
    """Roll a random ~60 % of the past days, leaving gaps of every length between them."""
    rng = random.Random(seed)
    days = {FIRST_DAY + dt.timedelta(days=n) for n in range(DAYS) if rng.random() < 0.6}
    for day in sorted(days):
        statistics_rollup.rollup_day(day)
    return days


def test_summary_plus_live_days_equal_the_live_figures(app, clock):
    clock.set(NOW)
    world = build()
    rolled = roll_some(seed=3)
    assert 0 < len(rolled) < DAYS
    used, filings, _ = statistics_rollup.summed(FIRST_DAY, TODAY, None, None)
    assert used == rolled and filings["cases"] > 0  # the summary really is read

    mixed, live = figures(world), live_figures(world)
    assert mixed == live
    everything = mixed[(FIRST_DAY, TODAY, ())]
    assert everything["disputes_total"] > 0 and everything["online_filings_total"] > 0
    assert everything["mediations_concluded"] > 0 and everything["off_hours_share"] is not None
    assert everything["mediated_per_minute_weekdays"] is not None


def test_every_day_rolled_or_none_gives_the_same_figures(app, clock):
    clock.set(NOW)
    world = build(seed=11, per_day=3)
    live = figures(world)
    assert statistics_rollup.rollup_missing().days == DAYS
    assert figures(world) == live


def test_a_day_has_a_total_row_and_a_row_per_court_and_per_organisation_of_each_kind(app, clock):
    clock.set(NOW)
    world = build(seed=5, per_day=6)
    day = FIRST_DAY + dt.timedelta(days=2)
    statistics_rollup.rollup_day(day)
    start, end = statistics_rollup.utc_span(day, day)
    filed = [c for c in world.cases if start <= c.submitted_at < end]
    rows = {(r.grain, r.court_id, r.org_id, r.kind): r.filings for r in db.session.query(StatsDaily)}
    expected: dict = {}
    for case in filed:
        keys = [("total", None, None, case.kind)]
        keys += [("court", case.court_id, None, case.kind)] if case.court_id else []
        keys += [("org", None, case.org_id, case.kind)] if case.org_id else []
        for key in keys:
            expected[key] = expected.get(key, 0) + 1
    assert rows == expected and len(filed) > 6
