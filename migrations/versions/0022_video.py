"""video rooms, provider callbacks, attendance, recordings and signed minutes (issue 17)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 08:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "video_callbacks",
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_group", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("room_user_id", sa.String(length=64), nullable=True),
        sa.Column("event_ms", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_callbacks")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_video_callbacks_dedupe_key")),
    )
    with op.batch_alter_table("video_callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_callbacks_room_id_event_ms"), ["room_id", "event_ms"], unique=False)

    op.create_table(
        "session_minutes",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("author_user_id", sa.Uuid(), nullable=False),
        sa.Column("required_user_ids", sa.JSON(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pdf_key", sa.String(length=255), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_session_minutes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mediation_sessions.id"],
            name=op.f("fk_session_minutes_session_id_mediation_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_minutes")),
        sa.UniqueConstraint("session_id", name=op.f("uq_session_minutes_session_id")),
    )
    op.create_table(
        "video_attendance",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds_in_room", sa.Integer(), nullable=False),
        sa.Column("corrected_by", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mediation_sessions.id"],
            name=op.f("fk_video_attendance_session_id_mediation_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_video_attendance_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_attendance")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_video_attendance_session_id_user_id")),
    )
    op.create_table(
        "video_recordings",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=128), nullable=False),
        sa.Column("source_url", sa.String(length=1000), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("provider_size", sa.BigInteger(), nullable=True),
        sa.Column("provider_hash", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("storage_key", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("custody", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_video_recordings_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mediation_sessions.id"],
            name=op.f("fk_video_recordings_session_id_mediation_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_recordings")),
        sa.UniqueConstraint("provider", "file_id", name=op.f("uq_video_recordings_provider_file_id")),
    )
    with op.batch_alter_table("video_recordings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_video_recordings_status_updated_at"), ["status", "updated_at"], unique=False
        )

    op.create_table(
        "video_rooms",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_video_rooms_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mediation_sessions.id"],
            name=op.f("fk_video_rooms_session_id_mediation_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_rooms")),
        sa.UniqueConstraint("provider", "room_id", name=op.f("uq_video_rooms_provider_room_id")),
        sa.UniqueConstraint("session_id", name=op.f("uq_video_rooms_session_id")),
    )
    op.create_table(
        "session_minutes_signatures",
        sa.Column("minutes_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("minutes_sha256", sa.String(length=64), nullable=False),
        sa.Column("minutes_version", sa.Integer(), nullable=False),
        sa.Column("verified_name", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["session_minutes.id"],
            name=op.f("fk_session_minutes_signatures_minutes_id_session_minutes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_minutes_signatures_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_minutes_signatures")),
        sa.UniqueConstraint("minutes_id", "user_id", name=op.f("uq_session_minutes_signatures_minutes_id_user_id")),
    )
    op.create_table(
        "session_minutes_versions",
        sa.Column("minutes_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("edited_by", sa.Uuid(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["session_minutes.id"],
            name=op.f("fk_session_minutes_versions_minutes_id_session_minutes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_minutes_versions")),
        sa.UniqueConstraint("minutes_id", "version", name=op.f("uq_session_minutes_versions_minutes_id_version")),
    )
    op.create_table(
        "video_room_members",
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("room_user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("entries_issued", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["video_rooms.id"], name=op.f("fk_video_room_members_room_id_video_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_video_room_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_room_members")),
        sa.UniqueConstraint("room_id", "room_user_id", name=op.f("uq_video_room_members_room_id_room_user_id")),
        sa.UniqueConstraint("room_id", "user_id", name=op.f("uq_video_room_members_room_id_user_id")),
    )


def downgrade():
    op.drop_table("video_room_members")
    op.drop_table("session_minutes_versions")
    op.drop_table("session_minutes_signatures")
    op.drop_table("video_rooms")
    with op.batch_alter_table("video_recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_recordings_status_updated_at"))

    op.drop_table("video_recordings")
    op.drop_table("video_attendance")
    op.drop_table("session_minutes")
    with op.batch_alter_table("video_callbacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_callbacks_room_id_event_ms"))

    op.drop_table("video_callbacks")
