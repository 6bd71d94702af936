"""holiday calendar version: a counter raised by every write to calendar_overrides (issue 18)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 14:30:00

App servers cache the parsed overrides per process under this version and read only the version to know that
their copy is current (app/legal/calendar.py). One row, id 1, created here; the file name is the one reserved
for this session's parallel work.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_version")),
    )
    op.execute("INSERT INTO calendar_version (id, version) VALUES (1, 0)")


def downgrade():
    op.drop_table("calendar_version")
