"""timeline, notifications and work items rendered in the reader's language (issue 21); reserved

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 10:45:00

Reserved so that parallel work chains without merge heads; a no-op until that work needs a schema change.
"""

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
