"""evidence period after acceptance, late submissions, agents at any stage

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

LATE_COLUMNS = (
    "late_decided_at",
    "late_decided_by_user_id",
    "late_decision_reason",
    "late_decision",
    "late_reason",
    "late",
)


def upgrade():
    op.create_table(
        "evidence_periods",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("procedure", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("extended_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.JSON(), nullable=False),
        sa.Column("notice_document_ids", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_periods_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_periods")),
        sa.UniqueConstraint("case_id", name=op.f("uq_evidence_periods_case_id")),
    )
    op.create_table(
        "evidence_period_extensions",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("applied_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("requested_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("granted_days", sa.Integer(), nullable=True),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("previous_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_period_extensions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["case_parties.id"],
            name=op.f("fk_evidence_period_extensions_party_id_case_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["evidence_periods.id"],
            name=op.f("fk_evidence_period_extensions_period_id_evidence_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_period_extensions")),
    )
    op.create_index(
        op.f("ix_evidence_period_extensions_case_id_created_at"),
        "evidence_period_extensions",
        ["case_id", "created_at"],
    )
    op.create_index(
        op.f("ix_evidence_period_extensions_status_created_at"),
        "evidence_period_extensions",
        ["status", "created_at"],
    )
    with op.batch_alter_table("evidence_items") as batch:
        batch.add_column(sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("late_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("late_decision", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("late_decision_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("late_decided_by_user_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("late_decided_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "agent_approvals",
        sa.Column("case_agent_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("court_id", sa.Uuid(), nullable=False),
        sa.Column("agent_kind", sa.String(length=16), nullable=False),
        sa.Column("citizen_basis", sa.String(length=32), nullable=True),
        sa.Column("grounds", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_agent_id"],
            ["case_agents.id"],
            name=op.f("fk_agent_approvals_case_agent_id_case_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_agent_approvals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_agent_approvals_court_id_courts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_approvals")),
        sa.UniqueConstraint("case_agent_id", name=op.f("uq_agent_approvals_case_agent_id")),
    )
    op.create_index(
        op.f("ix_agent_approvals_court_id_status_requested_at"),
        "agent_approvals",
        ["court_id", "status", "requested_at"],
    )


def downgrade():
    op.drop_index(op.f("ix_agent_approvals_court_id_status_requested_at"), table_name="agent_approvals")
    op.drop_table("agent_approvals")
    with op.batch_alter_table("evidence_items") as batch:
        for column in LATE_COLUMNS:
            batch.drop_column(column)
    op.drop_index(op.f("ix_evidence_period_extensions_status_created_at"), table_name="evidence_period_extensions")
    op.drop_index(op.f("ix_evidence_period_extensions_case_id_created_at"), table_name="evidence_period_extensions")
    op.drop_table("evidence_period_extensions")
    op.drop_table("evidence_periods")
