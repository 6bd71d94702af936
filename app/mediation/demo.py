"""Demo mediation directory for `make run`: the demo mediator listed at the demo organisation (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.identity import demo as identity_demo
from app.mediation.models import MediatorProfile
from app.platform import settings
from app.platform.demo import SEEDERS

SPECIALTIES = ["民间借贷纠纷", "婚姻家庭纠纷", "邻里纠纷"]


def seed_mediation() -> str:
    """List the demo mediator (13800000004) at the demo organisation, specialised in categories filings name."""
    org, user = identity_demo.demo_org(), identity_demo.mediator_user()
    profile = db.session.scalar(select(MediatorProfile).filter_by(org_id=org.id, user_id=user.id))
    if profile is None:
        profile = MediatorProfile(
            org_id=org.id,
            user_id=user.id,
            display_name="调解员 陈",
            title="人民调解员",
            bio="北仑区人民调解委员会专职调解员，擅长民间借贷与婚姻家庭纠纷。",
            region=org.region,
            max_load=settings.mediation().mediator_default_max_load,
            accepting=True,
        )
        db.session.add(profile)
    known = set(settings.cases().categories)
    profile.specialties = sorted(
        {c for c in SPECIALTIES if c in known} | {c for c in profile.specialties or [] if c in known}
    )
    db.session.commit()
    return f"demo mediation: {profile.display_name} listed at {org.name} ({'、'.join(profile.specialties)})"


SEEDERS.append(seed_mediation)
