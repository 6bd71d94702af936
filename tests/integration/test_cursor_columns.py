"""psycopg cursors describe their columns when asked: the same answer as psycopg's own description, made on first
use (app/platform/cursor_columns.py), and the app's PostgreSQL connections use them."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from app.extensions import db
from app.platform.cursor_columns import Columns, Cursor

pytestmark = pytest.mark.usefixtures("app")


def _both(database_url: str, sql: str, *, cursor_factory: type) -> list:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, cursor_factory=cursor_factory) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        description = cursor.description
        answer = (
            None
            if description is None
            else [
                (c.name, c.type_code, c.display_size, c.internal_size, c.precision, c.scale, c.null_ok, tuple(c))
                for c in description
            ]
        )
        kind = type(description)
        truth = None if description is None else bool(description)
        conn.rollback()
        return [answer, truth, kind]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 AS one, 'x'::text AS two, now() AS at, 1.5::numeric(4, 2) AS amount, NULL::uuid",
        "SELECT",  # rows but no columns: an empty list, as psycopg answers
        "CREATE TEMPORARY TABLE t (id int)",  # no rows: None
        "SELECT * FROM generate_series(1, 3) AS g(n) WHERE n > 5",  # no row, still described
    ],
)
def test_the_same_description_as_psycopgs(database_url, sql):
    if not database_url.startswith("postgresql"):
        pytest.skip("psycopg's cursors: PostgreSQL only")
    mine, theirs = (
        _both(database_url, sql, cursor_factory=Cursor),
        _both(database_url, sql, cursor_factory=psycopg.Cursor),
    )
    assert mine[:2] == theirs[:2]
    assert mine[2] in (Columns, type(None))


def test_the_list_is_made_once_and_behaves_as_a_list(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("psycopg's cursors: PostgreSQL only")
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, cursor_factory=Cursor) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 AS a, 2 AS b")
        columns = cursor.description
        cursor.execute("SELECT 3 AS c")  # a later result does not change the columns asked of the first
        assert columns is not None and [c.name for c in columns] == ["a", "b"]
        assert len(columns) == 2 and columns[1].name == "b" and [c.name for c in reversed(columns)] == ["b", "a"]
        assert columns.index(columns[0]) == 0 and columns.count(columns[0]) == 1 and columns[0] in columns
        assert columns == list(columns) and columns.copy() == list(columns) and "Column 'a'" in repr(columns)


def test_the_apps_postgresql_connections_use_it(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("psycopg's cursors: PostgreSQL only")
    result = db.session.execute(text("SELECT 1 AS one"))
    assert list(result.keys()) == ["one"] and result.scalar() == 1
    driver = db.session.connection().connection.driver_connection
    assert driver.cursor_factory is Cursor
