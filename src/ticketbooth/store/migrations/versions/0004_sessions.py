"""Sessions as records of their own (keyed by the refresh-token family), and per-session
access revocations.

Every refresh-token family that exists gets its session row: created at its first
token, last used at its newest, authenticated by password (the only method there was),
revoked when none of its tokens is live.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ticketbooth.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=False),
        sa.Column("ip_address", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        sa.Column("amr", sa.String(100), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.execute(
        "INSERT INTO sessions (id, user_id, created_at, last_used_at, amr, revoked_at,"
        " revoked_reason)"
        " SELECT family_id, MIN(user_id), MIN(issued_at), MAX(issued_at), 'pwd',"
        " CASE WHEN COUNT(revoked_at) = COUNT(*) THEN MAX(revoked_at) END,"
        " CASE WHEN COUNT(revoked_at) = COUNT(*) THEN 'migrated' END"
        " FROM refresh_tokens GROUP BY family_id"
    )
    op.create_table(
        "session_revocations",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("not_before", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_session_revocations_recorded_at", "session_revocations", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_session_revocations_recorded_at", "session_revocations")
    op.drop_table("session_revocations")
    op.drop_index("ix_sessions_user_id", "sessions")
    op.drop_table("sessions")
