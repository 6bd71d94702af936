"""idempotency and set-based writes (issue 18); reserved

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 10:45:00

Reserved so that parallel work chains without merge heads; a no-op until that work needs a schema change.
"""

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
