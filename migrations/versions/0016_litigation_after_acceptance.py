"""litigation after acceptance: decisions, appeals, legal effect, enforcement

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_parties") as batch:
        batch.add_column(sa.Column("domicile_abroad", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "litigation_decisions",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("closing_method", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("performance_days", sa.Integer(), nullable=True),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_litigation_decisions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_decisions")),
        sa.UniqueConstraint("case_id", name=op.f("uq_litigation_decisions_case_id")),
    )
    op.create_index(
        op.f("ix_litigation_decisions_state_appeal_ends_at"),
        "litigation_decisions",
        ["state", "appeal_ends_at"],
        unique=False,
    )
    op.create_table(
        "litigation_appeals",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("court_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("filed_by_user_id", sa.Uuid(), nullable=False),
        sa.Column("filed_as", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("evidence_ids", sa.JSON(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("court_note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_litigation_appeals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_litigation_appeals_court_id_courts")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["served_documents.id"],
            name=op.f("fk_litigation_appeals_document_id_served_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_user_id"], ["users.id"], name=op.f("fk_litigation_appeals_filed_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["case_parties.id"],
            name=op.f("fk_litigation_appeals_party_id_case_parties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_appeals")),
        sa.UniqueConstraint("case_id", "party_id", name=op.f("uq_litigation_appeals_case_id_party_id")),
    )
    op.create_index(
        op.f("ix_litigation_appeals_court_id_status_filed_at"),
        "litigation_appeals",
        ["court_id", "status", "filed_at"],
        unique=False,
    )
    op.create_table(
        "enforcement_applications",
        sa.Column("origin_case_id", sa.Uuid(), nullable=False),
        sa.Column("court_id", sa.Uuid(), nullable=False),
        sa.Column("applicant_party_id", sa.Uuid(), nullable=False),
        sa.Column("applied_by_user_id", sa.Uuid(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("property_clues", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("limitation_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_party_id"],
            ["case_parties.id"],
            name=op.f("fk_enforcement_applications_applicant_party_id_case_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["applied_by_user_id"], ["users.id"], name=op.f("fk_enforcement_applications_applied_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_enforcement_applications_court_id_courts")),
        sa.ForeignKeyConstraint(
            ["origin_case_id"],
            ["cases.id"],
            name=op.f("fk_enforcement_applications_origin_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_applications")),
        sa.UniqueConstraint("case_number", name=op.f("uq_enforcement_applications_case_number")),
    )
    op.create_index(
        op.f("ix_enforcement_applications_court_id_status_applied_at"),
        "enforcement_applications",
        ["court_id", "status", "applied_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_enforcement_applications_origin_case_id_applied_at"),
        "enforcement_applications",
        ["origin_case_id", "applied_at"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_enforcement_applications_origin_case_id_applied_at"), table_name="enforcement_applications")
    op.drop_index(op.f("ix_enforcement_applications_court_id_status_applied_at"), table_name="enforcement_applications")
    op.drop_table("enforcement_applications")
    op.drop_index(op.f("ix_litigation_appeals_court_id_status_filed_at"), table_name="litigation_appeals")
    op.drop_table("litigation_appeals")
    op.drop_index(op.f("ix_litigation_decisions_state_appeal_ends_at"), table_name="litigation_decisions")
    op.drop_table("litigation_decisions")
    with op.batch_alter_table("case_parties") as batch:
        batch.drop_column("domicile_abroad")
