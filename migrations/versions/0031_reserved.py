"""reserved for session 6 parallel work (0031)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 10:45:00

Reserved so that parallel work chains without merge heads; a no-op until that work needs a schema change.
"""

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
