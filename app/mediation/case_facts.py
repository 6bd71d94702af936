"""A case and its permission facts in one statement (issue 18), for the mediation's and invitations' writes.

`app.cases.access.load` reads the case (locked or not), then its connections (the parties' users, the active
agents' lawyers) in a second statement. Here the connections are outer-joined to the case's row (`facts_rows`,
the same rows), so one statement answers both, with any column a caller adds (`query`: the outcome adds the
holiday calendar's version and whether a court delegated the mediation, which its transition would read). The
answers are the same: the case as an ORM entity, its facts, and the 404 `case.not_found` for an unknown case or
one the caller may not read.

A lock (`FOR UPDATE OF cases`) locks only the case's row. The connections then come from the statement's own
snapshot, taken before any wait for that lock: a change of connections that committed during the wait is not seen
(as if this request had run first); the case's row itself is the current one, as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select, true

from app.cases import Case
from app.cases import access as case_access
from app.extensions import db
from app.security import permissions
from app.security.permissions import CaseFacts, Principal


def load(case_id: uuid.UUID, *, actor: Principal, lock: bool = False) -> tuple[Case, CaseFacts]:
    """The case and its facts if the caller may read it, else 404 as for an unknown id (`case_access.load`'s
    answer, in one statement)."""
    case, facts, _extra = load_by(_QUERIES[lock], case_id, actor=actor)
    return case, facts


def query(*extra: Any, lock: bool = False) -> Select:
    """The statement `load_by` runs (build it once): the case, one row per connection (one row of NULLs without
    any), and `extra` columns (scalar subqueries, correlated to the case or not); FOR UPDATE OF the case only
    when locking (the connections' tables are not locked, as before)."""
    facts = case_access.facts_rows(bindparam("case_id")).subquery("facts")
    built = (
        select(Case, facts.c.kind, facts.c.party_id, facts.c.user_id, *extra)
        .outerjoin(facts, true())
        .where(Case.id == bindparam("case_id"))
    )
    return built.with_for_update(of=Case) if lock else built


_EXTRA_AT = 4  # the extra columns' place in a row of `query`


def load_by(
    statement: Select, case_id: uuid.UUID, *, actor: Principal, **params: Any
) -> tuple[Case, CaseFacts, tuple[Any, ...]]:
    """The case, its facts and the `extra` columns of `statement` (built by `query`; `params`: their bound
    parameters) if the caller may read the case, else 404 as for an unknown id."""
    rows: Sequence[Any] = db.session.execute(statement, {**params, "case_id": case_id}).all()
    if not rows:
        raise case_access.not_found()
    case: Case = rows[0][0]
    facts = case_access.facts_from(case, (row for row in rows if row.kind is not None))
    if not permissions.may_read_case(actor, facts):
        raise case_access.not_found()
    return case, facts, tuple(rows[0][_EXTRA_AT:])


_QUERIES = {False: query(), True: query(lock=True)}  # built once
