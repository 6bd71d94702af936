"""court delegations: recall, expiry sweep, evidence and mandates carried across

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "court_delegation_followups",
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("party_map", sa.JSON(), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recalled_by", sa.String(length=64), nullable=True),
        sa.Column("recall_reason", sa.String(length=1000), nullable=True),
        sa.Column("carried_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carried_back_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["court_delegations.id"],
            name=op.f("fk_court_delegation_followups_delegation_id_court_delegations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delegation_id", name=op.f("pk_court_delegation_followups")),
    )


def downgrade():
    op.drop_table("court_delegation_followups")
