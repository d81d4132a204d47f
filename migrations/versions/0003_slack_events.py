"""Slack deliveries already answered, so no copy of the bot answers one twice.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_events",
        sa.Column("event_key", sa.String(200), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_events_seen_at", "slack_events", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_events_seen_at", table_name="slack_events")
    op.drop_table("slack_events")
