"""Demo data for `make run`: the demo mediator's working hours and the demo court's courtrooms (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.identity import demo as identity_demo
from app.platform.demo import SEEDERS
from app.scheduling.models import Courtroom, WorkingHours

# Monday to Friday, 09:00-12:00 and 13:30-17:30 Asia/Shanghai (minutes of the day).
COURTROOMS = [("第一法庭", "审判楼二楼"), ("第二法庭", "审判楼三楼")]
WINDOWS = [(weekday, start, end) for weekday in range(5) for start, end in ((540, 720), (810, 1050))]


def seed_scheduling() -> str:
    """Give the demo mediator weekly working hours unless they already keep some."""
    user = identity_demo.mediator_user()
    if db.session.scalar(select(WorkingHours.id).where(WorkingHours.user_id == user.id).limit(1)) is None:
        for weekday, start, end in WINDOWS:
            db.session.add(WorkingHours(user_id=user.id, weekday=weekday, start_minute=start, end_minute=end))
        db.session.commit()
    court = identity_demo.demo_court()
    for name, location in COURTROOMS:
        query = select(Courtroom.id).where(Courtroom.court_id == court.id, Courtroom.name == name)
        if db.session.scalar(query) is None:
            db.session.add(Courtroom(court_id=court.id, name=name, location=location, active=True))
    db.session.commit()
    return (
        "demo scheduling: the mediator works Mon-Fri 09:00-12:00 and 13:30-17:30 (Asia/Shanghai); "
        f"the demo court has courtrooms {', '.join(name for name, _ in COURTROOMS)}"
    )


SEEDERS.append(seed_scheduling)
