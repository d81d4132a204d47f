"""The text of each version of a page or Slack file stored, for Undo.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

remote_versions: a report that is no file here (a page, a file shared in Slack) cannot be
read again as it was: its text is kept per version, the current one and the one it
replaced, so Undo of an import that replaced an earlier version restores that version.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remote_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ident", sa.String(1024), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("given", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("ident", "content_hash", name="uq_remote_versions_ident_hash"),
    )
    op.create_index("ix_remote_versions_ident", "remote_versions", ["ident"])


def downgrade() -> None:
    op.drop_index("ix_remote_versions_ident", table_name="remote_versions")
    op.drop_table("remote_versions")
