"""A channel's digest may follow a topic; the bot remembers whether it can read the channel.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

subscriptions.topic: the words (a plain search query) a channel's digest picks talks by;
NULL: every talk with notes, as before.
subscriptions.access: what the bot found when the channel subscribed: "member" (it joined
the public channel or is in the private one, so it can read the channel's history),
"invite" (a private channel it is not in: someone must `/invite @meetup-bot`), or NULL
(not checked yet: subscribed from DIGEST_CHANNEL or before this revision).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("topic", sa.Text, nullable=True))
        batch.add_column(sa.Column("access", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("access")
        batch.drop_column("topic")
