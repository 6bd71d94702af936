"""The roll-up's beat task and CLI, and the directory counts kept per process."""

import datetime as dt

from celery.schedules import crontab

from app.extensions import celery, db
from app.statistics import figures as statistics
from app.statistics.models import StatsDayRolled
from app.statistics.tasks import SCHEDULE_NAME, TASK_NAME, rollup_statistics
from tests.integration.statistics.world import DAYS, FIRST_DAY, NOW, build
from tests.support.factories import grant, make_court, make_org, make_user


def test_the_rollup_is_a_beat_task_every_hour_including_just_after_midnight_in_shanghai(app, clock):
    clock.set(NOW)
    build(per_day=1)
    outcome = rollup_statistics.delay()  # eager here
    assert outcome.successful() and outcome.result["days"] == DAYS and outcome.result["rows"] > 0
    entry = celery.conf.beat_schedule[SCHEDULE_NAME]
    assert entry["task"] == TASK_NAME == rollup_statistics.name
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab) and schedule.minute == {10} and len(schedule.hour) == 24
    # beat runs in UTC: 16:10 UTC is 00:10 Asia/Shanghai, five minutes past the settling time
    assert celery.conf.timezone == "UTC"


def test_the_cli_rolls_missing_days_or_a_range(app, clock):
    clock.set(NOW)
    build(per_day=1)
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["stats-rollup"])
    assert missing.exit_code == 0 and missing.output.startswith(f"rolled {DAYS} days, ")
    assert runner.invoke(args=["stats-rollup"]).output.startswith("rolled 0 days, 0 summary rows")
    one = runner.invoke(args=["stats-rollup", "--from", "2026-10-03", "--to", "2026-10-03"])
    assert one.exit_code == 0 and one.output.startswith("rolled 1 days, ")
    ahead = runner.invoke(args=["stats-rollup", "--from", "2026-11-09", "--to", "2026-11-12"])
    assert ahead.output.strip().endswith("3 days not over yet")
    backwards = runner.invoke(args=["stats-rollup", "--from", "2026-10-05", "--to", "2026-10-03"])
    assert backwards.exit_code != 0 and "--from must not be after --to" in backwards.output
    assert db.session.get(StatsDayRolled, FIRST_DAY) is not None


def counts(org=None) -> dict:
    figures = statistics.compute(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 2), org_id=org)
    return {name: figures[name] for name in ("courts_connected", "organisations", "mediators", "lawyers")}


def test_directory_counts_are_kept_for_the_ttl_per_scope(app, clock):
    app.config["DIRECTORY_COUNTS_TTL_SECONDS"] = 60
    statistics.clear_directory_cache()
    org = make_org()
    grant(make_user(), role="mediator", org=org)
    assert counts() == {"courts_connected": 0, "organisations": 1, "mediators": 1, "lawyers": 0}
    assert counts(org.id)["mediators"] == 1
    make_court()
    grant(make_user(), role="mediator", org=make_org())
    assert counts() == {"courts_connected": 0, "organisations": 1, "mediators": 1, "lawyers": 0}  # kept
    assert counts(org.id)["mediators"] == 1
    clock.advance(seconds=61)
    assert counts() == {"courts_connected": 1, "organisations": 2, "mediators": 2, "lawyers": 0}
    assert counts(org.id) == {"courts_connected": 1, "organisations": 2, "mediators": 1, "lawyers": 0}
    grant(make_user(), role="lawyer")
    assert counts()["lawyers"] == 0
    statistics.clear_directory_cache()
    assert counts()["lawyers"] == 1
    app.config["DIRECTORY_COUNTS_TTL_SECONDS"] = 0  # not kept: every request counts
    grant(make_user(), role="lawyer")
    assert counts()["lawyers"] == 2
    statistics.clear_directory_cache()
