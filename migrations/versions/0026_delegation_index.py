"""court_delegations: an index on (state, due_date) for the delegation sweep

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-06 08:40:00

The sweep (app/mediation/delegation_sweep.py) looks every 10 minutes for delegations still `sent` or `accepted`
whose due date has passed, earliest first; without this index that is a scan of every delegation ever sent.
down_revision is the newest revision that existed when this file was written (0024 and 0025 did not).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("court_delegations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_court_delegations_state_due_date"), ["state", "due_date"], unique=False)


def downgrade():
    with op.batch_alter_table("court_delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_court_delegations_state_due_date"))
