"""OAuth 2.0 clients, used client-assertion ids, and access tokens revoked by jti.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ticketbooth.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(150), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=True),
        sa.Column("jwks_uri", sa.String(2000), nullable=True),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("is_disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "oauth_used_assertions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_oauth_used_assertions_expires_at", "oauth_used_assertions", ["expires_at"])
    op.create_table(
        "revoked_access_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
    )
    op.create_index(
        "ix_revoked_access_tokens_recorded_at", "revoked_access_tokens", ["recorded_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_revoked_access_tokens_recorded_at", "revoked_access_tokens")
    op.drop_table("revoked_access_tokens")
    op.drop_index("ix_oauth_used_assertions_expires_at", "oauth_used_assertions")
    op.drop_table("oauth_used_assertions")
    op.drop_table("oauth_clients")
