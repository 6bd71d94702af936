"""stats_daily, stats_days_rolled: the daily statistics summary

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("court_id", sa.Uuid(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filings", sa.Integer(), nullable=False),
        sa.Column("filed_off_hours", sa.Integer(), nullable=False),
        sa.Column("filed_known_hours", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("concluded_on_working_days", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_daily")),
    )
    with op.batch_alter_table("stats_daily", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stats_daily_grain_day"), ["grain", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_stats_daily_court_id_day"), ["court_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_stats_daily_org_id_day"), ["org_id", "day"], unique=False)

    op.create_table(
        "stats_days_rolled",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cases_seen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_stats_days_rolled")),
    )


def downgrade():
    op.drop_table("stats_days_rolled")
    with op.batch_alter_table("stats_daily", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stats_daily_org_id_day"))
        batch_op.drop_index(batch_op.f("ix_stats_daily_court_id_day"))
        batch_op.drop_index(batch_op.f("ix_stats_daily_grain_day"))

    op.drop_table("stats_daily")
