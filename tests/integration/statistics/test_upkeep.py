"""A rolled day stays exact when its cases change afterwards (a court's dispute gets its organisation ...)."""

import datetime as dt
import random
import threading
import time

import pytest
from sqlalchemy import delete, event, select, text

from app.cases import lifecycle as case_lifecycle
from app.cases.models import Case
from app.extensions import db
from app.mediation import assignment as mediation_assignment
from app.statistics import figures as statistics
from app.statistics import rollup as statistics_rollup
from app.statistics.models import StatsDaily, StatsDayRolled
from app.statistics.upkeep import ADVISORY_LOCK_SPACE
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_outcome import dispute, link, mediator, principal
from tests.conftest import is_postgres
from tests.integration.statistics.world import DAYS, FIRST_DAY, NOW, add_case, build, figures, live_figures, shanghai
from tests.support.factories import make_court, make_org, make_user


def marks() -> set[dt.date]:
    return set(db.session.scalars(select(StatsDayRolled.day)))


def test_a_court_dispute_that_gets_its_organisation_days_later_is_counted_for_it(app, clock):
    court, org = make_court(), make_org(name="法院特邀调解室")
    link(org, court)
    filer = make_user(real_name="张三")
    clock.set(dt.datetime(2026, 11, 2, 10, tzinfo=SHANGHAI))
    case = dispute(court=court, filer=filer)
    clock.set(dt.datetime(2026, 11, 5, 9, tzinfo=SHANGHAI))
    assert statistics_rollup.rollup_missing().days == 3
    period = {"date_from": dt.date(2026, 11, 2), "date_to": dt.date(2026, 11, 5)}
    assert statistics.compute(**period, org_id=org.id)["disputes_total"] == 0

    _user, profile = mediator(org)
    mediation_assignment.choose(case_id=case.id, mediator_id=profile.id, actor=principal(filer))
    assert db.session.get(Case, case.id).org_id == org.id
    assert dt.date(2026, 11, 2) in marks()  # still rolled, and right
    assert statistics.compute(**period, org_id=org.id)["disputes_total"] == 1
    assert statistics.compute(**period, court_id=court.id)["disputes_total"] == 1
    assert statistics.compute(**period)["disputes_total"] == 1


def test_random_changes_to_past_cases_keep_every_figure_exact(app, clock):
    clock.set(NOW)
    world = build(seed=21, per_day=4)
    statistics_rollup.rollup_missing()
    rng = random.Random(21)
    past = [c for c in world.cases if c.submitted_at < shanghai(FIRST_DAY + dt.timedelta(days=DAYS - 2), 0)]
    for case in rng.sample(past, 40):
        change = rng.choice(["org", "court", "off_hours", "conclude", "outcome", "kind", "delete"])
        if change == "org":
            case.org_id = rng.choice([*(o.id for o in world.orgs), None]) if case.court_id else case.org_id
        elif change == "court":
            case.court_id = rng.choice(world.courts).id
        elif change == "off_hours":
            case.filed_off_hours = rng.choice([True, False, None])
        elif change == "conclude":
            case.concluded_at = case.submitted_at + dt.timedelta(hours=rng.uniform(1, 60))
            case.outcome, case.concluded_on_working_day = rng.choice(["settled", "failed"]), rng.random() < 0.5
        elif change == "outcome" and case.outcome:
            case.outcome = "failed" if case.outcome == "settled" else "settled"
        elif change == "kind" and case.kind == "mediation" and case.court_id:
            case.kind = "litigation"
        elif change == "delete":
            db.session.delete(case)
            world.cases.remove(case)
        db.session.commit()
    backdated = add_case(
        world, kind="mediation", court=None, org=world.orgs[0], submitted=shanghai(FIRST_DAY, 99), off_hours=True
    )
    db.session.commit()
    assert backdated.id and len(marks()) == DAYS  # every day is still summarised
    assert figures(world) == live_figures(world)


def test_a_change_the_summary_cannot_absorb_unrolls_the_day(app, clock):
    clock.set(NOW)
    world = build(seed=4, per_day=2)
    statistics_rollup.rollup_missing()
    case = next(
        c for c in world.cases if c.kind == "mediation" and c.court_id and c.submitted_at < shanghai(FIRST_DAY, 86400)
    )
    db.session.execute(delete(StatsDaily).where(StatsDaily.day == FIRST_DAY, StatsDaily.grain == "court"))
    db.session.commit()
    case.court_id = world.courts[1].id if case.court_id == world.courts[0].id else world.courts[0].id
    db.session.commit()
    assert FIRST_DAY not in marks() and len(marks()) == DAYS - 1
    assert figures(world) == live_figures(world)


def test_a_roll_waits_for_an_uncommitted_change_to_its_day(app, clock):
    clock.set(NOW)
    world = build(seed=9, per_day=2)
    statistics_rollup.rollup_missing()
    day = FIRST_DAY + dt.timedelta(days=4)
    case = next(c for c in world.cases if c.court_id and shanghai(day, 0) <= c.submitted_at < shanghai(day, 86400))
    case.org_id = world.orgs[1].id if case.org_id == world.orgs[0].id else world.orgs[0].id
    db.session.flush()  # the change holds the day (and, on SQLite, the database) until it commits
    errors: list[BaseException] = []

    def roll() -> None:
        with app.app_context():
            try:
                statistics_rollup.rollup_day(day)
            except BaseException as exc:  # reported to the test's thread
                errors.append(exc)

    worker = threading.Thread(target=roll)
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive()  # waiting for the change
    db.session.commit()
    worker.join(timeout=10)
    assert not worker.is_alive() and not errors
    assert day in marks()
    assert figures(world) == live_figures(world)


def test_the_change_takes_the_days_lock_on_postgresql(app, clock, database_url):
    if not is_postgres(database_url):
        pytest.skip("advisory locks are PostgreSQL's")
    clock.set(NOW)
    world = build(seed=2, per_day=1)
    statistics_rollup.rollup_missing()
    case = next(c for c in world.cases if c.court_id and c.submitted_at < shanghai(FIRST_DAY, 86400))
    case.org_id = world.orgs[0].id if case.org_id != world.orgs[0].id else world.orgs[1].id
    db.session.flush()
    probe = text("SELECT pg_try_advisory_xact_lock(:space, :day)")
    with db.engine.connect() as other:
        assert other.scalar(probe, {"space": ADVISORY_LOCK_SPACE, "day": FIRST_DAY.toordinal()}) is False
        db.session.commit()
        assert other.scalar(probe, {"space": ADVISORY_LOCK_SPACE, "day": FIRST_DAY.toordinal()}) is True
        other.rollback()


def test_filings_and_conclusions_today_touch_no_past_day(app, clock):
    clock.set(NOW)
    world = build(seed=6, per_day=1)
    statistics_rollup.rollup_missing()
    before = db.session.query(StatsDaily).count()
    case = next(c for c in world.cases if c.kind == "mediation" and c.concluded_at is None)
    case.status = "in_mediation"
    db.session.commit()
    case_lifecycle.transition(case, "settled", actor=None, actor_role="system")
    db.session.commit()
    add_case(world, kind="mediation", court=world.courts[0], org=None, submitted=NOW, off_hours=False)
    db.session.commit()
    assert db.session.query(StatsDaily).count() == before and len(marks()) == DAYS
    assert figures(world) == live_figures(world)


def test_a_change_that_lands_only_on_today_reads_no_row(app, clock):
    """The case as this transaction loaded it tells which days a change reaches; the upkeep reads (and locks) the
    stored row only when one of them is already rolled, so concluding a case filed days ago costs no statement."""
    clock.set(NOW)
    world = build(seed=7, per_day=1)
    statistics_rollup.rollup_missing()
    case = next(c for c in world.cases if c.kind == "mediation" and c.concluded_at is None)
    case.status = "in_mediation"
    db.session.commit()
    case = db.session.get(Case, case.id)  # loaded: every tracked column known
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        case_lifecycle.transition(case, "settled", actor=None, actor_role="system")
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    upkeep = [s for s in sent if (s.lstrip().upper().startswith("SELECT") and "filed_off_hours" in s) or "stats_" in s]
    assert not upkeep, sent
    assert figures(world) == live_figures(world)
