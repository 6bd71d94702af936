"""Demo courts, organisation and people for `make run`: one person per role, logging in by SMS (dev outbox)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.identity import accounts, directory_admin, machine_clients, user_admin
from app.identity import login_sessions as sessions
from app.identity.client_models import MachineClient
from app.identity.models import LawyerProfile, User
from app.identity.organization_models import Court, MediationOrganization, MediationOrgCourt
from app.platform import settings
from app.platform.demo import SEEDERS
from app.utils import clock

DEMO_COURT = ("浙0212", "宁波市北仑区人民法院", "浙江省宁波市")
SECOND_COURT = ("浙0203", "宁波市海曙区人民法院", "浙江省宁波市")
DEMO_ORG = "宁波市北仑区人民调解委员会"
# Exactly as filings name them (CASE_CATEGORIES), so the directory and recommendations match a filing.
DEMO_CATEGORIES = ["民间借贷纠纷", "婚姻家庭纠纷", "物业服务合同纠纷", "邻里纠纷"]
DEMO_CLIENT_NAME = "北仑法院审判管理系统 (demo)"
MEDIATOR_PHONE = "13800000004"
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


def _court(code: str, name: str, region: str) -> Court:
    court = db.session.scalar(select(Court).where(Court.code == code))
    return court or directory_admin.create_court(code=code, name=name, region=region, actor=None)


def demo_court() -> Court:
    """The demo court (浙0212), created by the seed."""
    return _court(*DEMO_COURT)


def demo_org() -> MediationOrganization:
    """The demo organisation, serving the demo categories (a database seeded before they matched is corrected)."""
    org = db.session.scalar(select(MediationOrganization).where(MediationOrganization.name == DEMO_ORG))
    if org is None:
        return directory_admin.create_org(
            name=DEMO_ORG,
            org_type="peoples_committee",
            region="浙江省宁波市",
            regions=["浙江省宁波市"],
            categories=DEMO_CATEGORIES,
            actor=None,
        )
    if not set(org.categories or []) >= set(DEMO_CATEGORIES):
        org.categories = sorted(set(org.categories or []) & set(_platform_categories()) | set(DEMO_CATEGORIES))
        db.session.commit()
    return org


def _platform_categories() -> list[str]:
    return list(settings.cases().categories)


def _link(org: MediationOrganization, courts: list[Court]) -> None:
    """Link the organisation to the courts (委派/委托调解, and the courts its agreements may go to)."""
    linked = set(db.session.scalars(select(MediationOrgCourt.court_id).where(MediationOrgCourt.org_id == org.id)))
    for court in courts:
        if court.id not in linked:
            db.session.add(MediationOrgCourt(org_id=org.id, court_id=court.id))
    db.session.commit()


def seed_identity() -> str:
    """Create the demo courts, the organisation linked to them, and one person per role (idempotent)."""
    court, second, org = demo_court(), _court(*SECOND_COURT), demo_org()
    _link(org, [court, second])
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
    return (
        f"demo identity: courts {court.code} and {second.code}, org {org.name} (linked to both, categories "
        f"{'、'.join(org.categories or [])}), {len(DEMO_PEOPLE)} people"
    )


def demo_client() -> tuple[str, str | None]:
    """The demo court system's client id, and its secret when this call created it (only its hash is kept)."""
    court = demo_court()
    client = db.session.scalar(
        select(MachineClient).where(MachineClient.court_id == court.id).order_by(MachineClient.created_at)
    )
    if client is not None:
        return client.client_id, None
    issued = machine_clients.create_client(court_id=court.id, name=DEMO_CLIENT_NAME, actor=None)
    return issued.client.client_id, issued.client_secret


def mediator_user() -> User:
    """The demo mediator's account (13800000004)."""
    return accounts.ensure_user_by_phone(MEDIATOR_PHONE)


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


ROLE_TEXT = {
    "platform_admin": "platform admin",
    "clerk": f"clerk of {DEMO_COURT[0]}",
    "judge": f"judge of {DEMO_COURT[0]}",
    "mediator": "mediator (listed, with working hours)",
    "org_admin": "mediation-organisation admin",
    "lawyer": "verified lawyer",
    "hotline_operator": "12368 hotline operator",
    "citizen": "citizen",
}


def login_table() -> list[tuple[str, str, str]]:
    """(phone, role, name) of every demo person, for the table `make run` prints."""
    rows = []
    for phone, (name, (kind, role)) in DEMO_PEOPLE.items():
        rows.append((phone, ROLE_TEXT[role or kind], name))
    return rows


def summary(*, client_id: str, secret: str | None, base_url: str) -> str:
    """The block `make run` prints last: where it serves, the court system's credentials, who can log in."""
    if secret is not None:
        credentials = f"  client_secret  {secret}\n  (shown this once: only its hash is stored. Copy it now.)"
    else:
        credentials = (
            "  client_secret  printed by the first `make run` only (only its hash is stored); for a new one:\n"
            f"                 .venv/bin/flask --app wsgi rotate-client {client_id}"
        )
    people = "\n".join(f"  {phone}  {role:<40} {name}" for phone, role, name in login_table())
    rule = "=" * 78
    return (
        f"{rule}\nMicro Court demo at {base_url}  (explorer {base_url}/api/docs)\n\n"
        f"Court system of {DEMO_COURT[0]} (POST {base_url}/api/court/v1/auth/token):\n"
        f"  client_id      {client_id}\n{credentials}\n\n"
        "Log in by SMS as any of these; after POST /api/mp/v1/auth/sms/send, read the code from the dev outbox:\n"
        f"  curl '{base_url}/api/mp/v1/dev/sms-outbox?phone=13800000008'   (its `code` field)\n{people}\n{rule}"
    )


def demo_token(phone: str) -> str:
    """An access token for a demo phone (development convenience, printed by `flask dev-token`)."""
    user = accounts.ensure_user_by_phone(phone)
    return sessions.start_session(user=user, method="dev").access_token


SEEDERS.append(seed_identity)
