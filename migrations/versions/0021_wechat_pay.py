"""WeChat Pay orders, refunds, notifications and bill reconciliation

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payment_notifications",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("notification_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("out_trade_no", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_notifications")),
        sa.UniqueConstraint("nonce", name=op.f("uq_payment_notifications_nonce")),
    )
    op.create_table(
        "payment_reconciliations",
        sa.Column("bill_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bill_rows", sa.Integer(), nullable=False),
        sa.Column("ledger_rows", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reconciliations")),
    )
    with op.batch_alter_table("payment_reconciliations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_reconciliations_bill_date"), ["bill_date"], unique=False)
    op.create_table(
        "payment_orders",
        sa.Column("out_trade_no", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("court_id", sa.Uuid(), nullable=True),
        sa.Column("notice_id", sa.Uuid(), nullable=True),
        sa.Column("payer_user_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=127), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("prepay_id", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=32), nullable=True),
        sa.Column("last_queried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_no", sa.String(length=64), nullable=True),
        sa.Column("receipt_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_payment_orders_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_payment_orders_court_id_courts")),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["fee_notices.id"], name=op.f("fk_payment_orders_notice_id_fee_notices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["case_parties.id"], name=op.f("fk_payment_orders_party_id_case_parties"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["payer_user_id"], ["users.id"], name=op.f("fk_payment_orders_payer_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_orders")),
        sa.UniqueConstraint("out_trade_no", name=op.f("uq_payment_orders_out_trade_no")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_payment_orders_transaction_id")),
    )
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_orders_case_id_party_id"), ["case_id", "party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_orders_status_created_at"), ["status", "created_at"], unique=False)
    op.create_table(
        "payment_refunds",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("out_refund_no", sa.String(length=64), nullable=False),
        sa.Column("refund_id", sa.String(length=64), nullable=True),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payment_orders.id"],
            name=op.f("fk_payment_refunds_order_id_payment_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"], ["users.id"], name=op.f("fk_payment_refunds_requested_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
        sa.UniqueConstraint("out_refund_no", name=op.f("uq_payment_refunds_out_refund_no")),
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_refunds_order_id"), ["order_id"], unique=False)


def downgrade():
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_refunds_order_id"))
    op.drop_table("payment_refunds")
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_orders_status_created_at"))
        batch_op.drop_index(batch_op.f("ix_payment_orders_case_id_party_id"))
    op.drop_table("payment_orders")
    with op.batch_alter_table("payment_reconciliations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_reconciliations_bill_date"))
    op.drop_table("payment_reconciliations")
    op.drop_table("payment_notifications")
