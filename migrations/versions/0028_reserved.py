"""evidence verification off the request path (issue 18 item 5); reserved

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 10:45:00

Reserved so that parallel work chains without merge heads; a no-op until that work needs a schema change.
"""

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
