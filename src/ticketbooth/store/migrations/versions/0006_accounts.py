"""Accounts: usernames and email addresses unique regardless of case, verified
addresses, one-time secrets and the mail outbox.

Existing users get their normalized forms (NFKC + casefold).  When two existing
accounts differ only in case (``zoe`` and ``ZOE``, or two addresses), the migration
stops and names them: merging accounts is a decision for an operator, never a
migration.  Addresses set by an operator so far count as confirmed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from ticketbooth.errors import ConfigurationError
from ticketbooth.store.models import UTCDateTime
from ticketbooth.store.records import normalize

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _clashes(rows: list[tuple[int, str, str | None]]) -> list[str]:
    names: dict[str, list[str]] = defaultdict(list)
    emails: dict[str, list[str]] = defaultdict(list)
    for _id, username, email in rows:
        names[normalize(username)].append(username)
        if email is not None:
            emails[normalize(email)].append(f"{email} ({username})")
    found = [" and ".join(sorted(v)) for v in names.values() if len(v) > 1]
    found += [" and ".join(sorted(v)) for v in emails.values() if len(v) > 1]
    return found


def upgrade() -> None:
    bind = op.get_bind()
    rows = [
        (int(r[0]), str(r[1]), r[2])
        for r in bind.execute(sa.text("SELECT id, username, email FROM users ORDER BY id"))
    ]
    clashes = _clashes(rows)
    if clashes:
        raise ConfigurationError(
            "migration 0006 stopped: these accounts differ only in case and would become one: "
            + "; ".join(clashes)
            + ". Rename or delete one of each (ticketbooth users ...) and run it again."
        )
    # Plain ADD COLUMN and CREATE UNIQUE INDEX: on SQLite a batch rebuild of ``users``
    # would drop the table, and its ON DELETE CASCADE would take every session with it.
    op.add_column(
        "users",
        sa.Column("username_normalized", sa.String(150), nullable=False, server_default=""),
    )
    op.add_column("users", sa.Column("email_normalized", sa.String(320), nullable=True))
    op.add_column("users", sa.Column("email_verified_at", UTCDateTime(), nullable=True))
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("username_normalized", sa.String()),
        sa.column("email_normalized", sa.String()),
    )
    for user_id, username, email in rows:
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(
                username_normalized=normalize(username),
                email_normalized=normalize(email) if email is not None else None,
            )
        )
    bind.execute(sa.text("UPDATE users SET email_verified_at = created_at WHERE email IS NOT NULL"))
    op.create_index("ix_users_username_normalized", "users", ["username_normalized"], unique=True)
    op.create_index("ix_users_email_normalized", "users", ["email_normalized"], unique=True)
    op.create_table(
        "one_time_secrets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("role", sa.String(50), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_one_time_secrets_user_id", "one_time_secrets", ["user_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["sent_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", "outbox")
    op.drop_table("outbox")
    op.drop_index("ix_one_time_secrets_user_id", "one_time_secrets")
    op.drop_table("one_time_secrets")
    op.drop_index("ix_users_email_normalized", "users")
    op.drop_index("ix_users_username_normalized", "users")
    op.drop_column("users", "email_verified_at")  # SQLite 3.35+ drops columns in place
    op.drop_column("users", "email_normalized")
    op.drop_column("users", "username_normalized")
