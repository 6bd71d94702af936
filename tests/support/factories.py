"""Plain factory functions for tests: people, courts, organisations, clients, and logged-in headers."""

from __future__ import annotations

import itertools

from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity import machine_clients
from app.identity.models import LawyerProfile, User, UserRole
from app.identity.organization_models import Court, CourtMembership, MediationOrganization, OrgMembership
from app.security import pii
from app.utils import clock

_counter = itertools.count(1)


def make_user(*, phone: str | None = None, status: str = "active", real_name: str | None = None) -> User:
    """A user; with a phone it is stored encrypted with its blind index, as the app does."""
    user = User(status=status, display_name=f"user{next(_counter)}", real_name=real_name)
    if phone:
        normalized = pii.normalize_phone(phone)
        user.phone_enc = pii.encrypt(normalized, field="phone")
        user.phone_index = pii.blind_index(normalized, field="phone")
    if real_name:
        user.verification_status, user.verified_at = "verified", clock.now()
    db.session.add(user)
    db.session.commit()
    return user


def make_court(code: str | None = None, *, name: str = "宁波市北仑区人民法院", region: str = "浙江省宁波市") -> Court:
    """A court with a unique code."""
    court = Court(code=code or f"浙{200 + next(_counter):04d}", name=name, region=region)
    db.session.add(court)
    db.session.commit()
    return court


def make_org(*, name: str = "北仑区人民调解委员会", region: str = "浙江省宁波市") -> MediationOrganization:
    """A mediation organisation."""
    org = MediationOrganization(name=name, org_type="peoples_committee", region=region, regions=[region])
    db.session.add(org)
    db.session.commit()
    return org


def grant(user: User, *, role: str | None = None, court: Court | None = None, org: Org | None = None) -> None:
    """Give a platform role, or a role at a court or organisation."""
    if court is not None:
        db.session.add(CourtMembership(court_id=court.id, user_id=user.id, role=role or "clerk"))
    elif org is not None:
        db.session.add(OrgMembership(org_id=org.id, user_id=user.id, role=role or "mediator"))
    elif role == "lawyer":
        db.session.add(
            LawyerProfile(
                user_id=user.id,
                license_number=f"1330220{next(_counter):010d}",
                law_firm="浙江某某律师事务所",
                practice_region="浙江省",
                status="verified",
            )
        )
    else:
        db.session.add(UserRole(user_id=user.id, role=role))
    db.session.commit()


Org = MediationOrganization


def login(user: User) -> dict[str, str]:
    """Authorization headers for a fresh session of this user."""
    pair = sessions.start_session(user=user, method="test")
    return {"Authorization": f"Bearer {pair.access_token}"}


def login_pair(user: User) -> sessions.TokenPair:
    """A fresh token pair for this user."""
    return sessions.start_session(user=user, method="test")


def make_client(court: Court) -> machine_clients.IssuedSecret:
    """A machine client of a court, with its secret."""
    return machine_clients.create_client(court_id=court.id, name="court case system", actor=None)


def machine_headers(court: Court) -> dict[str, str]:
    """Authorization headers for a machine client of this court."""
    issued = make_client(court)
    token, _ttl = machine_clients.issue_token(client_id=issued.client.client_id, client_secret=issued.client_secret)
    return {"Authorization": f"Bearer {token}"}
