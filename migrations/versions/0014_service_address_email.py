"""e-service: the consented service address in use and the email channel

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "email_messages",
        sa.Column("address_index", sa.String(length=64), nullable=False),
        sa.Column("address_masked", sa.String(length=128), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("params_enc", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_message_id", sa.String(length=128), nullable=True),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
    )
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_messages_address_index_created_at"), ["address_index", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_email_messages_status_next_attempt_at"), ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "service_address_codes",
        sa.Column("act_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("address_index", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("email_message_id", sa.Uuid(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["act_id"],
            ["service_consent_acts.id"],
            name=op.f("fk_service_address_codes_act_id_service_consent_acts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["case_parties.id"],
            name=op.f("fk_service_address_codes_party_id_case_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_service_address_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_address_codes")),
    )
    with op.batch_alter_table("service_address_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_address_codes_address_index_verified_at"),
            ["address_index", "verified_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_service_address_codes_party_id_created_at"), ["party_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_address_codes_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("address_enc", sa.Text(), nullable=True))
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_message_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("address_masked", sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.drop_column("address_masked")
        batch_op.drop_column("email_message_id")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("address_enc")
        batch_op.drop_column("address_kind")
    with op.batch_alter_table("service_address_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_address_codes_user_id"))
        batch_op.drop_index(batch_op.f("ix_service_address_codes_party_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_service_address_codes_address_index_verified_at"))
    op.drop_table("service_address_codes")
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_messages_status_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_email_messages_address_index_created_at"))
    op.drop_table("email_messages")
