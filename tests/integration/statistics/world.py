"""Cases written straight into the table (any day, any flags), and the live-only figures to compare with."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import delete

from app.cases.models import Case
from app.extensions import db
from app.statistics import figures as statistics
from app.statistics.models import StatsDayRolled
from app.utils.clock import SHANGHAI
from tests.support.factories import make_court, make_org, make_user

FIRST_DAY = dt.date(2026, 10, 1)
DAYS = 40
TODAY = FIRST_DAY + dt.timedelta(days=DAYS)  # 2026-11-10: the clock stands at noon of this day
NOW = dt.datetime.combine(TODAY, dt.time(12), SHANGHAI)


def shanghai(day: dt.date, seconds: float) -> dt.datetime:
    """An instant `seconds` after midnight of `day` in Asia/Shanghai."""
    return dt.datetime.combine(day, dt.time(), SHANGHAI) + dt.timedelta(seconds=seconds)


@dataclass
class World:
    """Two courts and two organisations with cases on every day, and a filer."""

    courts: list
    orgs: list
    filer: object
    cases: list[Case] = field(default_factory=list)

    def scopes(self) -> list[dict]:
        """National, each court, each organisation, and a court with an organisation (always live)."""
        courts, orgs = [{"court_id": c.id} for c in self.courts], [{"org_id": o.id} for o in self.orgs]
        return [{}, *courts, *orgs, {"court_id": self.courts[0].id, "org_id": self.orgs[0].id}]


def add_case(
    world: World, *, kind: str, court, org, submitted: dt.datetime, off_hours: bool | None, **concluded
) -> Case:
    """A case with exactly these counted columns (concluded: concluded_at, outcome, concluded_on_working_day)."""
    case = Case(
        kind=kind,
        status="submitted",
        court_id=court.id if court is not None else None,
        org_id=org.id if org is not None else None,
        category="民间借贷纠纷",
        title="张三诉李四",
        claims="c",
        facts="f",
        filed_by_user_id=world.filer.id,
        submitted_at=submitted,
        filed_off_hours=off_hours,
        **concluded,
    )
    db.session.add(case)
    world.cases.append(case)
    return case


def build(seed: int = 8, per_day: int = 6) -> World:
    """Random cases over DAYS days and today: varied venues, kinds, outcomes, off-hours flags, day edges."""
    rng = random.Random(seed)
    world = World(courts=[make_court(), make_court()], orgs=[make_org(), make_org()], filer=make_user())
    for n in range(DAYS + 1):
        day = FIRST_DAY + dt.timedelta(days=n)
        # midnight exactly, the last microsecond of the day, and random moments
        moments = [0.0, 86400 - 1e-6] + [rng.uniform(0, 86400) for _ in range(per_day)]
        for seconds in moments:
            submitted = shanghai(day, seconds)
            if submitted > NOW:
                continue
            _random_case(world, rng, submitted)
    db.session.commit()
    return world


def _random_case(world: World, rng: random.Random, submitted: dt.datetime) -> None:
    court, org = rng.choice([*world.courts, None]), rng.choice([*world.orgs, None])
    kind = "litigation" if rng.random() < 0.3 else "mediation"
    if kind == "litigation" or (court is None and org is None):
        court = court or rng.choice(world.courts)
    concluded = {}
    if rng.random() < 0.6:  # a few litigation rows too: the figures count mediations only, on both paths
        at = submitted + dt.timedelta(seconds=rng.uniform(0, 9 * 86400))
        if at <= NOW:
            concluded = {
                "concluded_at": at,
                "outcome": rng.choice(["settled", "settled", "failed"]),
                "concluded_on_working_day": rng.choice([True, True, False, None]),
            }
    off_hours = rng.choice([True, False, False, None])
    add_case(world, kind=kind, court=court, org=org, submitted=submitted, off_hours=off_hours, **concluded)


RANGES = [
    (FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1)),
    (FIRST_DAY, TODAY),
    (FIRST_DAY - dt.timedelta(days=5), FIRST_DAY + dt.timedelta(days=3)),
    (FIRST_DAY + dt.timedelta(days=5), FIRST_DAY + dt.timedelta(days=20)),
    (FIRST_DAY + dt.timedelta(days=11), FIRST_DAY + dt.timedelta(days=11)),
    (FIRST_DAY + dt.timedelta(days=30), TODAY),
    (TODAY, TODAY),
]


def figures(world: World) -> dict:
    """compute() for every range and scope."""
    return {
        (first, last, tuple(scope.items())): statistics.compute(date_from=first, date_to=last, **scope)
        for first, last in RANGES
        for scope in world.scopes()
    }


def live_figures(world: World) -> dict:
    """The same figures with no day rolled: the pure live computation (then the marks are put back)."""
    marks = [(r.day, r.rolled_at, r.cases_seen) for r in db.session.query(StatsDayRolled)]
    db.session.execute(delete(StatsDayRolled))
    db.session.commit()
    try:
        return figures(world)
    finally:
        db.session.add_all(StatsDayRolled(day=d, rolled_at=at, cases_seen=n) for d, at, n in marks)
        db.session.commit()
