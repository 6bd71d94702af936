"""Case numbers (案号) such as (2026)浙0212民初1234号: format, parse, and gap-free sequences per court/year/type.

The sequence row is bumped with one atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) inside the
caller's transaction: concurrent accepts queue on the row lock, and a rolled-back accept gives its number back.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import uuid

from sqlalchemy import ColumnElement, Table
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite

from app.cases.models import CaseNumberSequence
from app.errors import NotFound
from app.extensions import db
from app.identity import Court
from app.utils import clock

FIRST_INSTANCE_CIVIL = "民初"
SPECIAL_PROCEDURE = "民特"
JUDICIAL_CONFIRMATION = "调确"

COURT_CODE = re.compile(r"^[\u4e00-\u9fff][0-9]{2,6}$")
TYPE_CODE = re.compile(r"^[\u4e00-\u9fff]{1,4}$")
MAX_SEQUENCE = 999_999_999
_NUMBER = re.compile(r"^\(([0-9]{4})\)([\u4e00-\u9fff][0-9]{2,6})([\u4e00-\u9fff]{1,4})([1-9][0-9]{0,8})号$")


@dataclasses.dataclass(frozen=True)
class CaseNumber:
    """The parts of a case number."""

    year: int
    court_code: str
    type_code: str
    sequence: int

    def __str__(self) -> str:
        return format_case_number(
            year=self.year, court_code=self.court_code, type_code=self.type_code, sequence=self.sequence
        )


def format_case_number(*, year: int, court_code: str, type_code: str, sequence: int) -> str:
    """The canonical form, e.g. (2026)浙0212民初1234号 (ASCII parentheses, no leading zeros)."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"a case-number year has four digits, got {year!r}")
    if not COURT_CODE.match(court_code):
        raise ValueError(f"not a court code: {court_code!r}")
    if not TYPE_CODE.match(type_code):
        raise ValueError(f"not a case-type code: {type_code!r}")
    if isinstance(sequence, bool) or not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"a case-number sequence is a whole number from 1, got {sequence!r}")
    return f"({year}){court_code}{type_code}{sequence}号"


def parse_case_number(text: str) -> CaseNumber:
    """Read a case number (full-width parentheses and digits accepted); ValueError when it is not one."""
    normalized = unicodedata.normalize("NFKC", text or "").strip()
    match = _NUMBER.match(normalized)
    if match is None:
        raise ValueError("A case number looks like (2026)浙0212民初1234号.")
    year, court_code, type_code, sequence = match.groups()
    return CaseNumber(year=int(year), court_code=court_code, type_code=type_code, sequence=int(sequence))


def next_sequence(*, court_id: uuid.UUID, year: int, type_code: str) -> int:
    """Take the next number of this court/year/type in the caller's transaction (rolled back = given back)."""
    table = _sequences()
    return _upsert(court_id, year, type_code, first=1, then=table.c.last_value + 1)


def note_external(*, court_id: uuid.UUID, number: CaseNumber) -> int:
    """Keep the sequence at or above a number the court's own system assigned, so ours never collide with it."""
    table = _sequences()
    at_least = sql_case((table.c.last_value < number.sequence, number.sequence), else_=table.c.last_value)
    return _upsert(court_id, number.year, number.type_code, first=number.sequence, then=at_least)


def assign(*, court_id: uuid.UUID, type_code: str) -> str:
    """A new case number for a case this court accepts now (the year is today's in Asia/Shanghai)."""
    court = db.session.get(Court, court_id)
    if court is None:
        raise NotFound("No such court.", reason="court.not_found")
    year = clock.now_shanghai().year
    sequence = next_sequence(court_id=court_id, year=year, type_code=type_code)
    return format_case_number(year=year, court_code=court.code, type_code=type_code, sequence=sequence)


def _sequences() -> Table:
    """The sequences' table, for Core upserts (the ORM types a model's __table__ as any FROM clause)."""
    table = CaseNumberSequence.__table__
    assert isinstance(table, Table)  # a model declared with __tablename__ maps a Table
    return table


def _upsert(court_id: uuid.UUID, year: int, type_code: str, *, first: int, then: ColumnElement[int]) -> int:
    table = _sequences()
    dialect = db.session.get_bind().dialect.name
    insert: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        insert = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:
        raise RuntimeError(f"case numbering needs PostgreSQL or SQLite, not {dialect}")
    statement = (
        insert.values(court_id=court_id, year=year, type_code=type_code, last_value=first)
        .on_conflict_do_update(
            index_elements=[table.c.court_id, table.c.year, table.c.type_code], set_={"last_value": then}
        )
        .returning(table.c.last_value)
    )
    return int(db.session.execute(statement).scalar_one())
