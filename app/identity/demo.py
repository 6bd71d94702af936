"""Demo people for `make run`: one of each role, all logging in by SMS (codes in the dev outbox)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.identity import accounts, directory_admin, machine_clients, user_admin
from app.identity import login_sessions as sessions
from app.identity.client_models import MachineClient
from app.identity.models import LawyerProfile, User
from app.identity.organization_models import Court, MediationOrganization
from app.platform.demo import SEEDERS
from app.utils import clock

DEMO_COURT = ("浙0212", "宁波市北仑区人民法院", "浙江省宁波市")
DEMO_ORG = "宁波市北仑区人民调解委员会"
DEMO_PEOPLE = {
    # phone: (display name, how they are made)
    "13800000001": ("平台管理员", ("platform", "platform_admin")),
    "13800000002": ("书记员 王", ("court", "clerk")),
    "13800000003": ("法官 李", ("court", "judge")),
    "13800000004": ("调解员 陈", ("org", "mediator")),
    "13800000005": ("调委会管理员 周", ("org", "org_admin")),
    "13800000006": ("律师 赵", ("lawyer", "")),
    "13800000007": ("12368 话务员 孙", ("platform", "hotline_operator")),
    "13800000008": ("当事人 张三", ("citizen", "")),
    "13800000009": ("当事人 李四", ("citizen", "")),
}


def _court() -> Court:
    court = db.session.scalar(select(Court).where(Court.code == DEMO_COURT[0]))
    return court or directory_admin.create_court(
        code=DEMO_COURT[0], name=DEMO_COURT[1], region=DEMO_COURT[2], actor=None
    )


def _org() -> MediationOrganization:
    org = db.session.scalar(select(MediationOrganization).where(MediationOrganization.name == DEMO_ORG))
    return org or directory_admin.create_org(
        name=DEMO_ORG,
        org_type="peoples_committee",
        region="浙江省宁波市",
        regions=["浙江省宁波市"],
        categories=["民间借贷", "婚姻家庭", "物业纠纷"],
        actor=None,
    )


def seed_identity() -> str:
    """Create the demo court, organisation, people and one machine client (idempotent)."""
    court, org = _court(), _org()
    for phone, (name, (kind, role)) in DEMO_PEOPLE.items():
        user = accounts.ensure_user_by_phone(phone, display_name=name)
        if kind == "platform":
            user_admin.set_platform_role(user_id=user.id, role=role, granted=True, actor=None)
        elif kind == "court":
            directory_admin.set_court_membership(court_id=court.id, user_id=user.id, role=role, active=True, actor=None)
        elif kind == "org":
            directory_admin.set_org_membership(org_id=org.id, user_id=user.id, role=role, active=True, actor=None)
        elif kind == "lawyer":
            _verified_lawyer(user)
    if db.session.scalar(select(MachineClient).where(MachineClient.court_id == court.id)) is None:
        issued = machine_clients.create_client(court_id=court.id, name="北仑法院审判管理系统 (demo)", actor=None)
        note = f"; machine client {issued.client.client_id} secret {issued.client_secret} (shown once)"
    else:
        note = "; machine client exists (rotate with `flask rotate-client`)"
    return f"demo identity: court {court.code}, org {org.name}, {len(DEMO_PEOPLE)} people{note}"


def _verified_lawyer(user: User) -> None:
    if db.session.scalar(select(LawyerProfile).where(LawyerProfile.user_id == user.id)) is None:
        db.session.add(
            LawyerProfile(
                user_id=user.id,
                license_number="13302201810000001",
                law_firm="浙江甬城律师事务所",
                practice_region="浙江省宁波市",
                status="verified",
                reviewed_at=clock.now(),
            )
        )
        db.session.commit()


def demo_token(phone: str) -> str:
    """An access token for a demo phone (development convenience, printed by `flask dev-token`)."""
    user = accounts.ensure_user_by_phone(phone)
    return sessions.start_session(user=user, method="dev").access_token


SEEDERS.append(seed_identity)
