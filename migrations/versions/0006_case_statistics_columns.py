"""cases: outcome, conclusion time and off-hours flags for statistics

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("concluded_on_working_day", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("filed_off_hours", sa.Boolean(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_concluded_at_outcome"), ["concluded_at", "outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_submitted_at_kind"), ["submitted_at", "kind"], unique=False)


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_submitted_at_kind"))
        batch_op.drop_index(batch_op.f("ix_cases_concluded_at_outcome"))
        batch_op.drop_column("filed_off_hours")
        batch_op.drop_column("concluded_on_working_day")
        batch_op.drop_column("concluded_at")
        batch_op.drop_column("outcome")
