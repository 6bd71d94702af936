"""An Idempotency-Key claimed in the statement that authenticates the caller (PostgreSQL).

A keyed write used to send the claim (an INSERT into idempotency_records) as a statement of its own right after
authentication's SELECT. On PostgreSQL the INSERT rides in that SELECT as a data-modifying CTE: one statement
fewer per keyed write, with the same guarantees, because it is the same INSERT in the same transaction:

- it is uncommitted and already says `committed`, as `idempotency.claim` writes it, and lands with the work's
  COMMIT (or is dropped by a rollback: a refused token, a 403, a 422 all end the request with one);
- a concurrent duplicate's statement waits on the unique key until the first request's transaction ends, then
  fails with a unique violation: the caller rolls back, authenticates again with the plain SELECT and the key is
  resolved as `idempotency.claim` resolves it (replay, 409 in flight, take-over);
- authentication's SELECT takes no lock, so waiting on the key inside it adds no lock-order hazard.

The scope is the caller's (`kind:subject`, from the verified token: the row must agree or the request is refused)
with the endpoint, as the decorator builds it. The body's fingerprint is taken only after the token's signature
checked out. SQLite has no data-modifying CTEs: there the claim stays the decorator's own statement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.platform import idempotency
from app.utils import clock
from app.utils.ids import new_id


@dataclasses.dataclass
class EarlyClaim:
    """A key to claim with the caller's authentication, and what became of it."""

    key: str
    endpoint: str
    fingerprint_of: Callable[[], str]  # read the body only once the token is known to be genuine
    scope: str = ""
    fingerprint: str = ""
    claimed: idempotency.Claim | None = None  # the claim row is in the open transaction
    conflicted: bool = False  # a record already held the key: resolve it as idempotency.claim does
    unreadable: Exception | None = None  # reading the body for its fingerprint failed: the decorator raises it

    @property
    def used(self) -> bool:
        """Whether a statement has tried the claim (it is in the open transaction, or a record held the key)."""
        return self.claimed is not None or self.conflicted

    def matches(self, *, scope: str, key: str) -> bool:
        """Whether this early claim is the one the decorator would make (same caller, endpoint and key)."""
        return self.used and self.scope == scope and self.key == key


def read_claiming(
    connection: Connection, statement: Any, params: Mapping[str, Any], early: EarlyClaim | None, *, caller: str
) -> Sequence[Any]:
    """Run authentication's `statement`, claiming `early`'s key in it when the database can (its rows either way).

    `caller` is the scope the token names (`user:<id>`, `machine:<client>`). A unique violation on the key rolls
    the session back and runs `statement` alone: `early.conflicted` then tells the decorator to resolve the key.
    """
    if early is None or connection.dialect.name != "postgresql":
        return connection.execute(statement, params).all()
    try:
        early.fingerprint = early.fingerprint_of()
    except Exception as exc:  # noqa: BLE001 - the decorator raises it, after authentication and the role, as before
        early.unreadable = exc  # not read again: a body stream read half-way cannot be
        return connection.execute(statement, params).all()
    early.scope = f"{caller}|{early.endpoint}"
    idempotency.flush_pending()  # settlements kept after an outage go first, as in idempotency.claim
    now = clock.now()
    held = idempotency.new_claim(scope=early.scope, key=early.key, fingerprint=early.fingerprint, now=now)
    values = {**params, **idempotency.claim_params(held), "p_id": new_id(), "p_now": now}
    try:
        rows = connection.execute(_with_claim(statement), values).all()
    except IntegrityError:
        session = db.session()
        session.rollback()  # a committed record holds the key (a duplicate waited here for its commit)
        early.conflicted = True
        return session.connection().execute(statement, params).all()
    early.claimed = idempotency.fresh(held)
    return rows


def resolve(early: EarlyClaim, *, rerun_committed: bool) -> idempotency.StoredResponse | idempotency.Claim:
    """What `idempotency.claim` would have answered for this key."""
    if early.claimed is not None:
        return early.claimed
    return idempotency.resolve_key(
        scope=early.scope, key=early.key, fingerprint=early.fingerprint, rerun_committed=rerun_committed
    )


# The claim's INSERT as a CTE: the columns idempotency.claim writes, with the id and timestamps the ORM's Python
# defaults would have given (a statement nested in a CTE gets none). One combined statement per authentication
# statement, built on its first use and kept (there are two: a user's and a machine client's).
_RECORDS = idempotency.RECORDS
_CLAIM_CTE = (
    insert(_RECORDS)
    .values(
        id=bindparam("p_id", type_=_RECORDS.c.id.type),
        created_at=bindparam("p_now", type_=_RECORDS.c.created_at.type),
        updated_at=bindparam("p_now", type_=_RECORDS.c.updated_at.type),
        scope=bindparam("p_scope"),
        key=bindparam("p_key"),
        fingerprint=bindparam("p_fingerprint"),
        state=idempotency.COMMITTED,
        locked_until=bindparam("p_lease", type_=_RECORDS.c.locked_until.type),
        expires_at=bindparam("p_expires_at", type_=_RECORDS.c.expires_at.type),
    )
    .cte("idempotency_claim")
)
_combined: dict[int, tuple[Any, Any]] = {}


def _with_claim(statement: Any) -> Any:
    known = _combined.get(id(statement))
    if known is None or known[0] is not statement:
        known = (statement, statement.add_cte(_CLAIM_CTE))
        _combined[id(statement)] = known
    return known[1]
