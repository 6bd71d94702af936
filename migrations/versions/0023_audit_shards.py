"""audit log shards: per-shard chains (shard, shard_seq) instead of one global chain; seq from a sequence (issue 18)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 08:10:00

Existing events become shard 1 with shard_seq = seq, and the existing head (id 1) is shard 1's head: their MACs
verify unchanged. New events take `seq` from the sequence audit_events_seq_seq (PostgreSQL) or the rowid
(SQLite), so no append locks anything global.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shard", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("shard_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
    op.execute("UPDATE audit_events SET shard = 1, shard_seq = seq")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column(
            "shard_seq", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_shard_shard_seq"), ["shard", "shard_seq"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE audit_events_seq_seq OWNED BY audit_events.seq")
        op.execute("SELECT setval('audit_events_seq_seq', (SELECT coalesce(max(seq), 0) + 1 FROM audit_events), false)")


def downgrade():
    # Back to one chain: only possible while every event is in shard 1 (the old verifier knows no shards).
    bind = op.get_bind()
    others = bind.execute(sa.text("SELECT count(*) FROM audit_events WHERE shard <> 1")).scalar()
    if others:
        raise RuntimeError(f"{others} audit events are in shards other than 1; the single-chain log cannot hold them")
    op.execute("UPDATE audit_events SET seq = -shard_seq")  # two steps: no transient duplicate key
    op.execute("UPDATE audit_events SET seq = -seq")
    op.execute("DELETE FROM audit_head WHERE id <> 1")
    if bind.dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS audit_events_seq_seq")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_shard_shard_seq"))
        batch_op.drop_column("shard_seq")
        batch_op.drop_column("shard")
