"""SMS login: send a 6-digit code (hashed, 5-minute life, single use, 5 wrong tries burn it), then verify it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.errors import Unauthorized, ValidationFailed
from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity.login_models import SmsCode
from app.identity.models import User
from app.platform import settings
from app.security import otp, pii
from app.sms import outbox as notifications_sms
from app.utils import clock

log = logging.getLogger(__name__)
PURPOSE = "login"
WRONG_CODE = "The code is wrong or has expired."


def _code_key() -> bytes:
    return hashlib.sha256(b"microcourt-otp:" + settings.identity().secret_key.encode()).digest()


def takes_phone(phone: object) -> bool:
    """Whether `send_login_code` takes this phone (a refused one is a 422 `validation.failed`), reading nothing."""
    try:
        pii.normalize_phone(phone)
    except ValidationFailed:
        return False
    return True


def send_login_code(*, phone: str) -> None:
    """Send a login code; the answer never says whether the phone belongs to an account."""
    normalized = pii.normalize_phone(phone)
    index = pii.blind_index(normalized, field="phone")
    now = clock.now()
    # A new code replaces every earlier one for this phone.
    db.session.execute(
        update(SmsCode)
        .where(SmsCode.phone_index == index, SmsCode.purpose == PURPOSE, SmsCode.consumed_at.is_(None))
        .values(consumed_at=now)
    )
    code = otp.new_code()
    ttl = dt.timedelta(seconds=settings.identity().sms_code_ttl_seconds)
    code_hash = otp.hash_code(_code_key(), subject=index, purpose=PURPOSE, code=code)
    db.session.add(SmsCode(phone_index=index, purpose=PURPOSE, code_hash=code_hash, expires_at=now + ttl))
    # the account's language when the phone has one (an account that chose English reads English); else Chinese
    language = db.session.scalar(select(User.language).where(User.phone_index == index))
    message = notifications_sms.queue(phone=normalized, template="login_code", params={"code": code}, language=language)
    db.session.commit()
    notifications_sms.dispatch(message.id)


def verify_login_code(*, phone: str, code: str) -> sessions.TokenPair:
    """Check the code; on success find or create the user for this phone and open a session."""
    normalized = pii.normalize_phone(phone)
    index = pii.blind_index(normalized, field="phone")
    now = clock.now()
    record = db.session.scalar(
        select(SmsCode)
        .where(SmsCode.phone_index == index, SmsCode.purpose == PURPOSE, SmsCode.consumed_at.is_(None))
        .order_by(SmsCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if record is None or record.expires_at <= now:
        raise Unauthorized(WRONG_CODE, reason="auth.code_invalid")
    if not otp.code_matches(_code_key(), subject=index, purpose=PURPOSE, code=code, expected_hash=record.code_hash):
        record.attempts += 1
        if record.attempts >= settings.identity().sms_code_max_attempts:
            record.consumed_at = now  # burnt: a new code must be requested
        audit.record(
            "auth.login_failed",
            actor_kind="anonymous",
            object_type="phone",
            object_id=index[:16],
            details={"method": "sms", "attempts": record.attempts},
        )
        db.session.commit()
        raise Unauthorized(WRONG_CODE, reason="auth.code_invalid")
    consumed = db.session.execute(
        update(SmsCode).where(SmsCode.id == record.id, SmsCode.consumed_at.is_(None)).values(consumed_at=now)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult; Session.execute is typed as Result
    if not consumed:
        db.session.rollback()
        raise Unauthorized(WRONG_CODE, reason="auth.code_invalid")
    user = _user_for_phone(normalized, index)
    return sessions.start_session(user=user, method="sms")


def _user_for_phone(normalized: str, index: str) -> User:
    user = db.session.scalar(select(User).where(User.phone_index == index))
    if user is None:
        try:
            with db.session.begin_nested():
                user = User(phone_enc=pii.encrypt(normalized, field="phone"), phone_index=index)
                db.session.add(user)
        except IntegrityError:  # the same phone signed up concurrently: use that account
            user = db.session.scalars(select(User).where(User.phone_index == index)).one()
    if user.status != "active":
        db.session.rollback()
        raise Unauthorized("This account is disabled.", reason="auth.account_disabled")
    return user
