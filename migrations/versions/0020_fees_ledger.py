"""litigation fees: notices, the ledger, deferral, reduction and waiver

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fee_ledger_entries",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_fee_ledger_entries_amount_positive")),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_fee_ledger_entries_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_fee_ledger_entries_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["case_parties.id"],
            name=op.f("fk_fee_ledger_entries_party_id_case_parties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_ledger_entries")),
        sa.UniqueConstraint("kind", "reference", name=op.f("uq_fee_ledger_entries_kind_reference")),
    )
    op.create_index(
        op.f("ix_fee_ledger_entries_case_id_party_id_created_at"),
        "fee_ledger_entries",
        ["case_id", "party_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "fee_notices",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("court_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("original_amount_fen", sa.Integer(), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reminders_sent", sa.JSON(), nullable=False),
        sa.Column("overdue_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_fee_notices_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_fee_notices_court_id_courts")),
        sa.ForeignKeyConstraint(
            ["party_id"], ["case_parties.id"], name=op.f("fk_fee_notices_party_id_case_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_notices")),
        sa.UniqueConstraint("case_id", "party_id", "purpose", name=op.f("uq_fee_notices_case_id_party_id_purpose")),
    )
    op.create_index(
        op.f("ix_fee_notices_court_id_status_due_at"), "fee_notices", ["court_id", "status", "due_at"], unique=False
    )
    op.create_table(
        "fee_reliefs",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("evidence_ids", sa.JSON(), nullable=False),
        sa.Column("requested_amount_fen", sa.Integer(), nullable=True),
        sa.Column("requested_until", sa.Date(), nullable=True),
        sa.Column("applied_by_user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("granted_amount_fen", sa.Integer(), nullable=True),
        sa.Column("granted_until", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_by_user_id"], ["users.id"], name=op.f("fk_fee_reliefs_applied_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_fee_reliefs_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["users.id"], name=op.f("fk_fee_reliefs_decided_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["fee_notices.id"], name=op.f("fk_fee_reliefs_notice_id_fee_notices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["case_parties.id"], name=op.f("fk_fee_reliefs_party_id_case_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_reliefs")),
    )
    op.create_index(op.f("ix_fee_reliefs_case_id_status"), "fee_reliefs", ["case_id", "status"], unique=False)
    op.create_index(
        op.f("ix_fee_reliefs_notice_id_created_at"), "fee_reliefs", ["notice_id", "created_at"], unique=False
    )

    op.create_table(
        "fee_court_settings",
        sa.Column("court_id", sa.Uuid(), nullable=False),
        sa.Column("prepay_at_filing", sa.Boolean(), nullable=False),
        sa.Column("updated_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["court_id"], ["courts.id"], name=op.f("fk_fee_court_settings_court_id_courts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_user_id"], ["users.id"], name=op.f("fk_fee_court_settings_updated_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("court_id", name=op.f("pk_fee_court_settings")),
    )


def downgrade():
    op.drop_table("fee_court_settings")
    op.drop_index(op.f("ix_fee_reliefs_notice_id_created_at"), table_name="fee_reliefs")
    op.drop_index(op.f("ix_fee_reliefs_case_id_status"), table_name="fee_reliefs")
    op.drop_table("fee_reliefs")
    op.drop_index(op.f("ix_fee_notices_court_id_status_due_at"), table_name="fee_notices")
    op.drop_table("fee_notices")
    op.drop_index(op.f("ix_fee_ledger_entries_case_id_party_id_created_at"), table_name="fee_ledger_entries")
    op.drop_table("fee_ledger_entries")
