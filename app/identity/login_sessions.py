"""Login sessions: token pairs, refresh rotation with reuse detection, logout, and per-request authentication."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any, cast

from sqlalchemy import String, Table, Uuid, bindparam, literal_column, null, select, true, union_all, update
from sqlalchemy import cast as sql_cast
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from app.audit import log as audit
from app.errors import Unauthorized
from app.extensions import db
from app.identity.login_models import AuthSession, RefreshToken
from app.identity.models import LawyerProfile, User, UserRole
from app.identity.organization_models import CourtMembership, OrgMembership
from app.platform import adapters, early_claim, settings
from app.security import tokens
from app.security.permissions import Principal
from app.utils import clock

USER_AUDIENCE = "microcourt-app"
MACHINE_AUDIENCE = "microcourt-court-systems"
CALLER_ROWS = "microcourt.caller_rows"  # in Session.info: the authenticated user row of this request


@dataclasses.dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh returns."""

    access_token: str
    refresh_token: str
    expires_in: int
    user: User
    token_type: str = "Bearer"
    # The caller's roles and memberships when they were read with the pair (a refresh); else None.
    principal: Principal | None = None


def _table(entity: type) -> Table:
    """The mapped table of an entity (typed as the Table it is)."""
    return cast(Table, entity.__table__)  # type: ignore[attr-defined]


def key_ring() -> tokens.KeyRing:
    """The app's JWT key ring (built once, in create_app)."""
    return adapters.jwt_ring()


def hash_token(raw: str) -> str:
    """SHA-256 of a high-entropy opaque token (refresh tokens, client secrets)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(*, user: User, method: str) -> TokenPair:
    """Open a new refresh-token family for a user who just logged in; commits."""
    now = clock.now()
    session = AuthSession(
        user_id=user.id, method=method, expires_at=now + dt.timedelta(days=settings.identity().session_max_days)
    )
    db.session.add(session)
    db.session.flush()
    pair = _issue_pair(session, user)
    audit.record(
        "auth.login",
        actor_kind="user",
        actor_id=str(user.id),
        object_type="session",
        object_id=session.id,
        details={"method": method},
    )
    db.session.commit()
    return pair


def _issue_pair(session: AuthSession, user: User) -> TokenPair:
    now = clock.now()
    config = settings.identity()
    raw_refresh = "rt_" + secrets.token_urlsafe(32)
    refresh_expiry = min(now + dt.timedelta(days=config.refresh_token_ttl_days), session.expires_at)
    db.session.add(RefreshToken(session_id=session.id, token_hash=hash_token(raw_refresh), expires_at=refresh_expiry))
    session.last_used_at = now
    ttl = config.access_token_ttl_seconds
    access, _claims = tokens.encode(
        key_ring(),
        subject=str(user.id),
        audience=USER_AUDIENCE,
        issuer=config.jwt_issuer,
        token_type="access",
        ttl=dt.timedelta(seconds=ttl),
        sid=str(session.id),
    )
    return TokenPair(access_token=access, refresh_token=raw_refresh, expires_in=ttl, user=user)


def refresh(*, refresh_token: str) -> TokenPair:
    """Spend a refresh token for a new pair; a spent one presented again revokes its whole family."""
    now = clock.now()
    session = db.session()
    session._autoflush()  # what Session.execute did first (nothing to flush at the start of a request)
    connection = session.connection()
    rows = connection.execute(_REFRESH_QUERY, {"refresh_hash": hash_token(refresh_token)}).all()
    if not rows:
        raise Unauthorized("The refresh token is invalid.", reason="auth.invalid_refresh")
    first = rows[0]
    token_id, session_id, token_expires, user_id, revoked_at, session_expires = first[:_REFRESH_USER]
    spent = connection.execute(_SPEND_QUERY, {"refresh_id": token_id, "spent_now": now}).rowcount
    if not spent:
        if user_id is not None and revoked_at is None:  # the session row exists and is still live
            connection.execute(_REVOKE, {"auth_session_id": session_id, "revoked_now": now, "why": "refresh_reused"})
        audit.record(
            "auth.refresh_reused",
            actor_kind="user",
            actor_id=str(user_id) if user_id is not None else None,
            object_type="session",
            object_id=session_id,
        )
        db.session.commit()
        raise Unauthorized("This refresh token was already used; the session is ended.", reason="auth.refresh_reused")
    alive = user_id is not None and revoked_at is None and session_expires > now
    user_status = first[_REFRESH_STATUS]
    if token_expires <= now or not alive or user_status is None or user_status != "active":
        db.session.rollback()
        raise Unauthorized("The session has ended; log in again.", reason="auth.session_ended")
    pair = _rotate(connection, session_id, session_expires, user_id, now)
    db.session.commit()
    # The answer's user and roles come from the rows read above: after the COMMIT the caller's User is put in the
    # identity map from them (not expired by the COMMIT), so the profile reads no row again.
    user = _caller_row(session, user_id, first[_REFRESH_USER:_REFRESH_GRANTS])
    principal = _principal(user, None, [row[_REFRESH_GRANTS:] for row in rows])
    return dataclasses.replace(pair, user=user, principal=principal)


def _rotate(
    connection: Any, session_id: uuid.UUID, session_expires: dt.datetime, user_id: uuid.UUID, now: dt.datetime
) -> TokenPair:
    """Core twin of _issue_pair for a refresh: the new refresh token's INSERT, the session's last use, the access
    token (the same rows and claims as _issue_pair, without loading or flushing ORM objects)."""
    config = settings.identity()
    raw_refresh = "rt_" + secrets.token_urlsafe(32)
    refresh_expiry = min(now + dt.timedelta(days=config.refresh_token_ttl_days), session_expires)
    connection.execute(_SESSION_USED, {"auth_session_id": session_id, "used_now": now})
    connection.execute(
        _NEW_REFRESH,
        {"session_id": session_id, "token_hash": hash_token(raw_refresh), "expires_at": refresh_expiry},
    )
    ttl = config.access_token_ttl_seconds
    access, _claims = tokens.encode(
        key_ring(),
        subject=str(user_id),
        audience=USER_AUDIENCE,
        issuer=config.jwt_issuer,
        token_type="access",
        ttl=dt.timedelta(seconds=ttl),
        sid=str(session_id),
    )
    return TokenPair(access_token=access, refresh_token=raw_refresh, expires_in=ttl, user=cast(User, None))


def logout(*, actor: Principal) -> None:
    """End the caller's session (the whole refresh family); access tokens stop working at once."""
    if actor.session_id is not None:
        # One conditional UPDATE (authentication reads the session's columns, not its
        # row: it is not in the identity map to be changed in place).
        db.session.execute(_LOGOUT, {"auth_session_id": actor.session_id, "revoked_now": clock.now()})
        db.session.commit()


_LOGOUT = (
    update(AuthSession)
    .where(AuthSession.id == bindparam("auth_session_id", type_=Uuid), AuthSession.revoked_at.is_(None))
    .values(revoked_at=bindparam("revoked_now", type_=AuthSession.__table__.c.revoked_at.type), revoked_reason="logout")
    .execution_options(synchronize_session=False)
)


def end_all_sessions(*, user_id: uuid.UUID, reason: str) -> int:
    """Revoke every live session of a user (disable, role change by policy, password-like events)."""
    result = db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult, typed as Result


def authenticate_user(*, token: str, early: early_claim.EarlyClaim | None = None) -> Principal:
    """Verify an access token and load the caller's live session, status, roles and memberships.

    `early`: an Idempotency-Key the request carries, claimed in the same statement where the database can
    (app/platform/early_claim.py).
    """
    issuer = settings.identity().jwt_issuer
    claims = tokens.decode(key_ring(), token, audience=USER_AUDIENCE, issuer=issuer, token_type="access")
    try:
        user_id = uuid.UUID(claims["sub"])
        session_id = uuid.UUID(str(claims.get("sid", "")))
    except ValueError:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token") from None
    session = db.session()
    session._autoflush()  # what Session.execute did first (nothing to flush at the start of a request)
    params = {"auth_session_id": session_id, "auth_user_id": user_id}
    rows = early_claim.read_claiming(session.connection(), _PRINCIPAL_QUERY, params, early, caller=f"user:{user_id}")
    first = rows[0] if rows else None
    if first is None or first[0] != user_id or first[1] is not None or first[2] is None or first[2] <= clock.now():
        raise Unauthorized("The session has ended; log in again.", reason="auth.session_ended")
    user = _caller_row(session, user_id, first[3:_GRANT_COLUMNS])
    if user.status != "active":
        raise Unauthorized("This account is disabled.", reason="auth.account_disabled")
    # The identity map holds rows weakly: without a reference the caller's User row would be collected here and
    # read again by the first db.session.get(User, caller) of the request (profile, filing...). The session
    # keeps it until it ends with the request; the next request authenticates with a fresh read as before.
    session.info[CALLER_ROWS] = user  # the request's session itself (db.session.info looks it up again)
    return _principal(user, session_id, [row[_GRANT_COLUMNS:] for row in rows])


# Authentication reads everything in one statement: the session joined with its user and, one row each, the
# user's platform roles, active court and organisation memberships and lawyer-profile status (a UNION ALL
# joined to the session row). Nothing is cached, so a revocation, a disabled account or a removed role counts on the
# very next request, on every app server.
_PLATFORM, _COURT, _ORG, _LAWYER = "p", "c", "o", "l"


def _kind(kind: str) -> Any:
    """A grant's kind as a constant in the SQL text: not a bound parameter to convert and send on every execution."""
    return literal_column(f"'{kind}'", String)


def _grants(user_id: Any) -> Any:
    """Every role-bearing row of one user as (kind, ref, role): ref is the court or organisation id."""
    no_ref = sql_cast(null(), Uuid)
    return union_all(
        select(_kind(_COURT).label("kind"), CourtMembership.court_id.label("ref"), CourtMembership.role).where(
            CourtMembership.user_id == user_id, CourtMembership.active.is_(True)
        ),
        select(_kind(_ORG), OrgMembership.org_id, OrgMembership.role).where(
            OrgMembership.user_id == user_id, OrgMembership.active.is_(True)
        ),
        select(_kind(_PLATFORM), no_ref, UserRole.role).where(UserRole.user_id == user_id),
        select(_kind(_LAWYER), no_ref, LawyerProfile.status).where(LawyerProfile.user_id == user_id),
    ).subquery("grants")


def _build_principal_query() -> Any:
    grants = _grants(bindparam("auth_user_id", type_=Uuid))  # the token's user: another user's session is refused
    return (
        # Core, on the session's connection: the ORM's execution and loading layers (compile state, result
        # wrapping, the row-to-entity loader for every grant row) cost about a fifth of an authentication, and
        # the entity is built once below from the first row. The session's three columns that decide, not its row:
        # no request uses the AuthSession object (logout updates it by id).
        select(
            _SESSIONS.c.user_id,
            _SESSIONS.c.revoked_at,
            _SESSIONS.c.expires_at,
            *_USERS.c,
            grants.c.kind,
            grants.c.ref,
            grants.c.role,
        )
        .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
        .outerjoin(grants, true())
        .where(_SESSIONS.c.id == bindparam("auth_session_id", type_=Uuid))
    )


_SESSIONS = _table(AuthSession)
_USERS = _table(User)
_USER_MAPPER = sa_inspect(User)
_USER_KEYS = tuple(_USER_MAPPER.get_property_by_column(column).key for column in _USERS.c)
_GRANT_COLUMNS = 3 + len(_USER_KEYS)  # the row: the session's 3 columns, the user's, then kind, ref, role


def _caller_row(session: Any, user_id: uuid.UUID, values: Any) -> User:
    """The caller's User in the session's identity map, as the ORM would have loaded it from these column values.

    A User already in the map (a test's own object, or one read earlier in this session) is kept, with only its
    unloaded (expired) attributes filled from the row, as the ORM's loader does without populate_existing.
    """
    key = _USER_MAPPER.identity_key_from_primary_key((user_id,))
    held = session.identity_map.get(key)
    if held is not None:
        unloaded = instance_state(held).unloaded
        if unloaded:
            for name, value in zip(_USER_KEYS, values, strict=True):
                if name in unloaded:
                    set_committed_value(held, name, value)
        return cast(User, held)
    user: User = _USER_MAPPER.class_manager.new_instance()
    state = instance_state(user)
    state.dict.update(zip(_USER_KEYS, values, strict=True))
    state.key = key
    # Attached as the ORM's loader attaches a row it loads (not Session.add: its attach events and its save-update
    # cascade over the User's relationships cost a twentieth of an authentication, for a row that has none).
    state.session_id = session.hash_key
    session.identity_map.add(state)
    state._commit_all(state.dict, session.identity_map)  # loaded, not changed: nothing for a flush to write
    return user


# Built once with bound parameters: constructing this statement and its cache key cost about half of an
# authentication's CPU (0.5 of 1 ms in process) when it was rebuilt with literal ids on every request.
_PRINCIPAL_QUERY = _build_principal_query()
_GRANTS_QUERY = select(_grants(bindparam("auth_user_id", type_=Uuid)))


def _build_refresh_query() -> Any:
    # A refresh reads the token, its session, the session's user and, one row each, the user's roles and
    # memberships (the answer's profile) in one statement, built once with a bound hash (was three statements for
    # the token, then the user again and the grants after the COMMIT). The grants are those of the user the
    # token's session belongs to (a scalar subquery on the same hash).
    owner = (
        select(_SESSIONS.c.user_id)
        .join(_TOKENS, _TOKENS.c.session_id == _SESSIONS.c.id)
        .where(_TOKENS.c.token_hash == bindparam("refresh_hash", type_=String))
        .scalar_subquery()
    )
    grants = _grants(owner)
    return (
        select(
            _TOKENS.c.id,
            _TOKENS.c.session_id,
            _TOKENS.c.expires_at,
            _SESSIONS.c.user_id,
            _SESSIONS.c.revoked_at,
            _SESSIONS.c.expires_at,
            *_USERS.c,
            grants.c.kind,
            grants.c.ref,
            grants.c.role,
        )
        .select_from(_TOKENS)
        .outerjoin(_SESSIONS, _SESSIONS.c.id == _TOKENS.c.session_id)
        .outerjoin(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
        .outerjoin(grants, true())
        .where(_TOKENS.c.token_hash == bindparam("refresh_hash", type_=String))
    )


_TOKENS = _table(RefreshToken)
_REFRESH_USER = 6  # the row: the token's 3 columns and the session's 3, then the user's, then kind, ref, role
_REFRESH_GRANTS = _REFRESH_USER + len(_USER_KEYS)
_REFRESH_STATUS = _REFRESH_USER + [column.key for column in _USERS.c].index("status")
_REFRESH_QUERY = _build_refresh_query()
# The UPDATE that spends the token: its "spent_at IS NULL" condition stays the guard against two concurrent
# refreshes spending the same token (the second waits for the first's row lock, then finds it spent).
_SPEND_QUERY = (
    _TOKENS.update()
    .where(_TOKENS.c.id == bindparam("refresh_id", type_=Uuid), _TOKENS.c.spent_at.is_(None))
    .values(spent_at=bindparam("spent_now", type_=_TOKENS.c.spent_at.type))
)
_SESSION_USED = (
    _SESSIONS.update()
    .where(_SESSIONS.c.id == bindparam("auth_session_id", type_=Uuid))
    .values(last_used_at=bindparam("used_now", type_=_SESSIONS.c.last_used_at.type))
)
_NEW_REFRESH = _TOKENS.insert()
_REVOKE = (
    _SESSIONS.update()
    .where(_SESSIONS.c.id == bindparam("auth_session_id", type_=Uuid), _SESSIONS.c.revoked_at.is_(None))
    .values(
        revoked_at=bindparam("revoked_now", type_=_SESSIONS.c.revoked_at.type),
        revoked_reason=bindparam("why", type_=String),
    )
)


def load_principal(user: User, *, session_id: uuid.UUID | None = None) -> Principal:
    """Build the Principal from the database (roles are read fresh, so removal is immediate)."""
    grants = db.session.execute(_GRANTS_QUERY, {"auth_user_id": user.id}).all()
    return _principal(user, session_id, [(kind, ref, role) for kind, ref, role in grants])


def _principal(user: User, session_id: uuid.UUID | None, grants: list[tuple[Any, Any, Any]]) -> Principal:
    roles: set[str] = set()
    court_roles: dict[uuid.UUID, set[str]] = {}
    org_roles: dict[uuid.UUID, set[str]] = {}
    lawyer = None
    for kind, ref, role in grants:
        if kind == _PLATFORM:
            roles.add(role)
        elif kind == _COURT:
            court_roles.setdefault(ref, set()).add(role)
        elif kind == _ORG:
            org_roles.setdefault(ref, set()).add(role)
        elif kind == _LAWYER:
            lawyer = role
    return Principal(
        kind="user",
        subject=str(user.id),
        user_id=user.id,
        session_id=session_id,
        roles=frozenset(roles),
        court_roles={k: frozenset(v) for k, v in court_roles.items()},
        org_roles={k: frozenset(v) for k, v in org_roles.items()},
        lawyer_verified=lawyer == "verified",
        real_name_verified=user.verification_status == "verified",
        has_lawyer_profile=lawyer is not None,
    )
