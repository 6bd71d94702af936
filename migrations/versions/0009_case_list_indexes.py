"""cases: (court|org|mediator, created_at, id) for the case list; hotline_calls.created_at for statistics

Revision ID: 0009
Revises: 0008

On PostgreSQL the indexes are built CONCURRENTLY (outside a transaction), so a live national-size
`cases` table keeps taking writes while they build; measured on 13.6 million cases in docs/benchmarks.md.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEW = (
    ("cases", "ix_cases_court_id_created_at_id", ["court_id", "created_at", "id"]),
    ("cases", "ix_cases_org_id_created_at_id", ["org_id", "created_at", "id"]),
    ("cases", "ix_cases_mediator_user_id_created_at_id", ["mediator_user_id", "created_at", "id"]),
    ("hotline_calls", "ix_hotline_calls_created_at", ["created_at"]),
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_if_invalid(name: str) -> None:
    """A CONCURRENTLY build that failed (or was cancelled) leaves an INVALID index behind: drop it, build again."""
    invalid = op.get_bind().exec_driver_sql(
        "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %(name)s"
        " AND NOT i.indisvalid",
        {"name": name},
    )
    if invalid.first():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


def upgrade():
    if _postgres():
        with op.get_context().autocommit_block():
            op.execute("SET statement_timeout = 0")  # the app's per-statement limit is for requests, not builds
            for table, name, columns in NEW:
                _drop_if_invalid(name)
                op.create_index(name, table, columns, postgresql_concurrently=True, if_not_exists=True)
            op.drop_index("ix_cases_mediator_user_id", table_name="cases", postgresql_concurrently=True, if_exists=True)
        return
    for table, name, columns in NEW:
        op.create_index(name, table, columns)
    op.drop_index("ix_cases_mediator_user_id", table_name="cases")


def downgrade():
    if _postgres():
        with op.get_context().autocommit_block():
            op.create_index("ix_cases_mediator_user_id", "cases", ["mediator_user_id"], postgresql_concurrently=True)
            for table, name, _columns in NEW:
                op.drop_index(name, table_name=table, postgresql_concurrently=True)
        return
    op.create_index("ix_cases_mediator_user_id", "cases", ["mediator_user_id"])
    for table, name, _columns in NEW:
        op.drop_index(name, table_name=table)
