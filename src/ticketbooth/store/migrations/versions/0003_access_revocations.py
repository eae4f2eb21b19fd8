"""Per-user not-before times for access-token revocation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_revocations",
        sa.Column("user_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("not_before", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_access_revocations_recorded_at", "access_revocations", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_access_revocations_recorded_at", "access_revocations")
    op.drop_table("access_revocations")
