"""Digest subscriptions and the (channel, period) claims that make each digest post once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel_id", sa.String(50), nullable=False, unique=True),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="ok"),
        sa.Column("failure_reason", sa.String(200), nullable=True),
    )
    op.create_table(
        "digest_posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel_id", sa.String(50), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column(
            "talk_id", sa.Integer, sa.ForeignKey("talks.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("event_id", sa.Integer, nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="claimed"),
        sa.Column("claimed_by", sa.String(100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
        sa.Column("ts", sa.String(40), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        # The claim: a second copy's INSERT for the same channel and period fails here.
        sa.UniqueConstraint("channel_id", "period", name="uq_digest_posts_channel_period"),
    )
    op.create_index("ix_digest_posts_channel_id", "digest_posts", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_digest_posts_channel_id", table_name="digest_posts")
    op.drop_table("digest_posts")
    op.drop_table("subscriptions")
