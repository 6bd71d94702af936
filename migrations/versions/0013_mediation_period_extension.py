"""mediation period end: the parties' agreements to extend it and the one extension applied

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 05:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mediation_extension_agreements",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["mediator_assignments.id"],
            name=op.f("fk_mediation_extension_agreements_assignment_id_mediator_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["case_parties.id"],
            name=op.f("fk_mediation_extension_agreements_party_id_case_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mediation_extension_agreements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_extension_agreements")),
        sa.UniqueConstraint(
            "assignment_id", "party_id", name=op.f("uq_mediation_extension_agreements_assignment_id_party_id")
        ),
    )
    op.create_table(
        "mediation_period_extensions",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("previous_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["mediator_assignments.id"],
            name=op.f("fk_mediation_period_extensions_assignment_id_mediator_assignments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assignment_id", name=op.f("pk_mediation_period_extensions")),
    )


def downgrade():
    op.drop_table("mediation_period_extensions")
    op.drop_table("mediation_extension_agreements")
