"""payment_orders.channel, pay_url, pay_url_expires_at: WeChat Pay H5 and Native orders besides JSAPI (issue 19)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 10:45:00

`channel` is how the payer pays: 'jsapi' (wx.requestPayment in the mini-program; every order before this
revision), 'h5' (a phone browser outside WeChat opens `pay_url`, WeChat Pay's h5_url) or 'native' (the person
scans `pay_url`, WeChat Pay's code_url, shown as a QR code). `pay_url_expires_at` is when that link stops working
(an h5_url lives 5 minutes, a code_url until the order's time_expire). No CHECK constraint: app/payments/models.py
CHANNELS names them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), server_default="jsapi", nullable=False))
        batch_op.add_column(sa.Column("pay_url", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("pay_url_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_column("pay_url_expires_at")
        batch_op.drop_column("pay_url")
        batch_op.drop_column("channel")
