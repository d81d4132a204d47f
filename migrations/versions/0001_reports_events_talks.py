"""Reports, events and talks.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(1024), nullable=False, unique=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("date", sa.Date, nullable=True),
        sa.Column("venue", sa.String(500), nullable=True),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
    )
    op.create_table(
        "talks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(1000), nullable=False),
        sa.Column("session_code", sa.String(50), nullable=True),
        sa.Column("speakers", sa.JSON, nullable=False),
        sa.Column("handles", sa.JSON, nullable=False),
        sa.Column("affiliations", sa.JSON, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("has_notes", sa.Boolean, nullable=False),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
    )
    op.create_index("ix_talks_event_id", "talks", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_talks_event_id", table_name="talks")
    op.drop_table("talks")
    op.drop_table("events")
    op.drop_table("reports")
