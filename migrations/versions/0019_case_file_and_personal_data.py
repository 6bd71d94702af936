"""case-file archives and personal-data exports and closures

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "archive_builds",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("owner_key", sa.String(length=80), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("requested_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("object_key", sa.String(length=255), nullable=True),
        sa.Column("filename", sa.String(length=160), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_archive_builds_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_builds")),
        sa.UniqueConstraint(
            "kind", "subject_key", "owner_key", name=op.f("uq_archive_builds_kind_subject_key_owner_key")
        ),
    )
    op.create_index(op.f("ix_archive_builds_status_updated_at"), "archive_builds", ["status", "updated_at"])


def downgrade():
    op.drop_index(op.f("ix_archive_builds_status_updated_at"), table_name="archive_builds")
    op.drop_table("archive_builds")
