"""hearings and pre-trial meetings in the one schedule

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "courtrooms",
        sa.Column("court_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["court_id"], ["courts.id"], name=op.f("fk_courtrooms_court_id_courts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courtrooms")),
        sa.UniqueConstraint("court_id", "name", name=op.f("uq_courtrooms_court_id_name")),
    )
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=24), server_default="mediation", nullable=False))
        batch_op.add_column(sa.Column("judge_user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("clerk_user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("courtroom_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("postponements", sa.JSON(), nullable=True))
        batch_op.alter_column("mediator_user_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_mediation_sessions_judge_user_id_users"), "users", ["judge_user_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_mediation_sessions_clerk_user_id_users"), "users", ["clerk_user_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_mediation_sessions_courtroom_id_courtrooms"), "courtrooms", ["courtroom_id"], ["id"]
        )
        for column in ("judge_user_id", "clerk_user_id", "courtroom_id"):
            batch_op.create_index(
                batch_op.f(f"ix_mediation_sessions_{column}_status_starts_at"), [column, "status", "starts_at"]
            )
    with op.batch_alter_table("mediation_session_attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consequence", sa.String(length=40), nullable=True))
    op.create_table(
        "hearing_summons",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["case_parties.id"], name=op.f("fk_hearing_summons_party_id_case_parties"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mediation_sessions.id"],
            name=op.f("fk_hearing_summons_session_id_mediation_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_summons")),
        sa.UniqueConstraint(
            "session_id", "party_id", "round", name=op.f("uq_hearing_summons_session_id_party_id_round")
        ),
    )


def downgrade():
    op.drop_table("hearing_summons")
    with op.batch_alter_table("mediation_session_attendance", schema=None) as batch_op:
        batch_op.drop_column("consequence")
    op.execute("DELETE FROM mediation_sessions WHERE mediator_user_id IS NULL")  # hearings cannot go back
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        for column in ("courtroom_id", "clerk_user_id", "judge_user_id"):
            batch_op.drop_index(batch_op.f(f"ix_mediation_sessions_{column}_status_starts_at"))
        batch_op.drop_constraint(batch_op.f("fk_mediation_sessions_courtroom_id_courtrooms"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_mediation_sessions_clerk_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_mediation_sessions_judge_user_id_users"), type_="foreignkey")
        batch_op.alter_column("mediator_user_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("postponements")
        batch_op.drop_column("courtroom_id")
        batch_op.drop_column("clerk_user_id")
        batch_op.drop_column("judge_user_id")
        batch_op.drop_column("kind")
    op.drop_table("courtrooms")
