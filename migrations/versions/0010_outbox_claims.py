"""outbox engine: every outbox row carries its claim time (the lease is the claim time plus the channel's lease)

Revision ID: 0010
Revises: 0009

webhook_deliveries.locked_until (the lease's end) becomes claimed_at (its start): a row claimed at the moment of
the upgrade keeps being held, only a little longer than before. sms_messages gains claimed_at: a message was
held by a row lock during the send; now by a claim that a crashed worker's successor can take over.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.alter_column("locked_until", new_column_name="claimed_at")
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.alter_column("claimed_at", new_column_name="locked_until")
