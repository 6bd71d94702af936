"""Finding and creating accounts by phone (operators, demo data, hotline callers)."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.identity.models import User
from app.identity.organization_models import Court
from app.security import pii


def find_by_phone(phone: str) -> User | None:
    """The account whose phone's blind index matches, if any."""
    index = pii.blind_index(pii.normalize_phone(phone), field="phone")
    return db.session.scalar(select(User).where(User.phone_index == index))


def ensure_user_by_phone(phone: str, *, display_name: str | None = None) -> User:
    """The account for a phone, created (phone encrypted, blind-indexed) when missing; commits."""
    user = find_by_phone(phone)
    if user is None:
        normalized = pii.normalize_phone(phone)
        user = User(
            phone_enc=pii.encrypt(normalized, field="phone"),
            phone_index=pii.blind_index(normalized, field="phone"),
            display_name=display_name,
        )
        db.session.add(user)
        db.session.commit()
    return user


def court_by_code(code: str) -> Court:
    """A court by its code (for operators at the CLI)."""
    court = db.session.scalar(select(Court).where(Court.code == code))
    if court is None:
        raise NotFound(f"No court with code {code}.", reason="court.not_found")
    return court
