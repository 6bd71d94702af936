"""Court systems as machine clients: create, rotate, revoke, exchange credentials for a scoped token."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import secrets
import uuid

from sqlalchemy import String, bindparam, select

from app.audit import log as audit
from app.errors import NotFound, Unauthorized
from app.extensions import db
from app.identity.client_models import MachineClient
from app.identity.login_sessions import MACHINE_AUDIENCE, hash_token, key_ring
from app.identity.organization_models import Court
from app.platform import early_claim, settings
from app.security import permissions, tokens
from app.security.permissions import Principal
from app.utils import clock


@dataclasses.dataclass(frozen=True)
class IssuedSecret:
    """A client and its secret, shown once at creation or rotation and never again."""

    client: MachineClient
    client_secret: str


def _new_secret() -> str:
    return "cs_" + secrets.token_urlsafe(32)


def _require_admin(actor: Principal) -> None:
    if not permissions.is_platform_admin(actor):
        raise NotFound("Not found.", reason="resource.not_found")


def create_client(*, court_id: uuid.UUID, name: str, actor: Principal | None) -> IssuedSecret:
    """Register a court system (platform admins only; actor None = the CLI operator)."""
    if actor is not None:
        _require_admin(actor)
    if db.session.get(Court, court_id) is None:
        raise NotFound("No such court.", reason="court.not_found")
    secret = _new_secret()
    client = MachineClient(
        client_id="mc_" + secrets.token_hex(12), name=name, court_id=court_id, secret_hash=hash_token(secret)
    )
    db.session.add(client)
    audit.record(
        "admin.client_created",
        actor=actor,
        object_type="machine_client",
        object_id=client.client_id,
        details={"court_id": str(court_id)},
    )
    db.session.commit()
    return IssuedSecret(client=client, client_secret=secret)


# A client by its public id, built once with a bound id: every court system's request reads it (authentication).
_CLIENT_QUERY = select(MachineClient).where(MachineClient.client_id == bindparam("client_id", type_=String))


def _get_client(client_id: str) -> MachineClient:
    client = db.session.scalar(_CLIENT_QUERY, {"client_id": client_id})
    if client is None:
        raise NotFound("No such client.", reason="client.not_found")
    return client


def list_clients(*, actor: Principal) -> list[MachineClient]:
    """Every machine client (platform admins only)."""
    _require_admin(actor)
    return list(db.session.scalars(select(MachineClient).order_by(MachineClient.created_at)))


def rotate_secret(*, client_id: str, actor: Principal | None) -> IssuedSecret:
    """Issue a new secret; the old one keeps working for CLIENT_SECRET_OVERLAP_HOURS so systems can switch."""
    if actor is not None:
        _require_admin(actor)
    client = _get_client(client_id)
    secret = _new_secret()
    overlap = dt.timedelta(hours=settings.identity().client_secret_overlap_hours)
    client.previous_secret_hash, client.previous_valid_until = client.secret_hash, clock.now() + overlap
    client.secret_hash = hash_token(secret)
    audit.record("admin.client_rotated", actor=actor, object_type="machine_client", object_id=client.client_id)
    db.session.commit()
    return IssuedSecret(client=client, client_secret=secret)


def revoke_client(*, client_id: str, actor: Principal | None) -> MachineClient:
    """Revoke a client: its secret and every token it holds stop working at once."""
    if actor is not None:
        _require_admin(actor)
    client = _get_client(client_id)
    client.status, client.revoked_at = "revoked", clock.now()
    audit.record("admin.client_revoked", actor=actor, object_type="machine_client", object_id=client.client_id)
    db.session.commit()
    return client


def _secret_matches(client: MachineClient, secret: str) -> bool:
    presented = hash_token(secret)
    if hmac.compare_digest(presented, client.secret_hash):
        return True
    previous, valid_until = client.previous_secret_hash, client.previous_valid_until
    if not previous or valid_until is None or valid_until <= clock.now():
        return False
    return hmac.compare_digest(presented, previous)


def issue_token(*, client_id: str, client_secret: str) -> tuple[str, int]:
    """Client credentials -> a short-lived JWT scoped to the client's court."""
    client = db.session.scalar(_CLIENT_QUERY, {"client_id": client_id})
    if client is None or client.status != "active" or not _secret_matches(client, client_secret):
        audit.record_now("auth.machine_login_failed", actor_kind="machine", actor_id=client_id[:40])
        raise Unauthorized("The client credentials are invalid.", reason="auth.invalid_client")
    config = settings.identity()
    ttl = config.machine_token_ttl_seconds
    token, _claims = tokens.encode(
        key_ring(),
        subject=client.client_id,
        audience=MACHINE_AUDIENCE,
        issuer=config.jwt_issuer,
        token_type="machine",
        ttl=dt.timedelta(seconds=ttl),
        court=str(client.court_id),
    )
    client.last_used_at = clock.now()
    audit.record(
        "auth.machine_login",
        actor_kind="machine",
        actor_id=client.client_id,
        object_type="court",
        object_id=client.court_id,
    )
    db.session.commit()
    return token, ttl


def authenticate_machine(*, token: str, early: early_claim.EarlyClaim | None = None) -> Principal:
    """Verify a machine token and that its client is still active.

    `early`: an Idempotency-Key the request carries, claimed in the same statement where the database can
    (app/platform/early_claim.py).
    """
    claims = tokens.decode(
        key_ring(), token, audience=MACHINE_AUDIENCE, issuer=settings.identity().jwt_issuer, token_type="machine"
    )
    session = db.session()
    session._autoflush()  # what Session.execute did first (nothing to flush at the start of a request)
    subject = str(claims["sub"])
    rows = early_claim.read_claiming(
        session.connection(), _CLIENT_STANDING, {"client_id": subject}, early, caller=f"machine:{subject}"
    )
    client = rows[0] if rows else None
    if client is None or client.status != "active" or str(client.court_id) != claims.get("court"):
        raise Unauthorized("The client is revoked.", reason="auth.client_revoked")
    return Principal(
        kind="machine", subject=client.client_id, court_roles={client.court_id: frozenset({"court_system"})}
    )


# Authentication reads the three columns that decide, as a Core row on the session's connection: no request uses
# the MachineClient object, and loading it through the ORM cost more CPU than the read itself. Built once. Nothing
# is cached: a revoked client is refused on its very next request.
_CLIENTS = MachineClient.__table__
_CLIENT_STANDING = select(_CLIENTS.c.client_id, _CLIENTS.c.status, _CLIENTS.c.court_id).where(
    _CLIENTS.c.client_id == bindparam("client_id", type_=String)
)
