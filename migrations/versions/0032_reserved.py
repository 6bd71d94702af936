"""reserved for session 6 parallel work (0032)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 10:45:00

Reserved so that parallel work chains without merge heads; a no-op until that work needs a schema change.
"""

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
