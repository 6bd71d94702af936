"""users.language: a person's explicit choice of language for texts sent later (issue 21)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 08:45:00

'zh', 'en' or NULL (no choice made: later texts are Chinese). Set only by the person (PUT /api/mp/v1/me/language);
read by app.i18n.user_language through app/identity/language.py. No CHECK constraint: a new language is a code
change (app/i18n/languages.py LANGUAGES), not a migration.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
