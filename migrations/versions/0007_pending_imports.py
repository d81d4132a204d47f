"""Report previews waiting for Import or Cancel in Slack: pending_imports.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

`/meetup add URL` (or a file shared with the bot) answers with a preview and two buttons. The
click may reach another copy of the bot than the one that fetched the page (several copies
share one database), so the preview lives here, keyed by the id the buttons carry: the text as
fetched (parsed again on Import: the parser is deterministic), who asked, where, and when.
Rows older than an hour are removed whenever a new one is written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_imports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("ident", sa.String(1024), nullable=False, index=True),
        sa.Column("given", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("team_id", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("pending_imports")
