"""Audit trail indexes for the console: events by time, and by kind newest first.

The sign-in chart reads a week of events by ``at``, and the audit page filters by
``event`` and pages by ``id`` descending; without these both scanned the whole table,
which grows by a row for every login and refresh.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_event_id", "audit_events", ["event", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_event_id", table_name="audit_events")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
