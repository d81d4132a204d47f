"""Several reports share one event and one talk: report_events, talk_sources, identities.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Until now an event belonged to one report (events.report_id, unique) and its talks were that
report's. Now a report links to the events it describes (report_events) and contributes its
version of each talk (talk_sources); the events and talks rows hold the merged view, derived
from those (store.merge). Every existing event keeps its id and its talks keep theirs: each
becomes the merged view of its one report.

On SQLite, dropping events.report_id copies the table; store.db runs upgrades with foreign
keys off (and checks them before committing), so the copy does not cascade into talks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TALK_COLUMNS = ("title", "session_code", "speakers", "handles", "affiliations", "notes",
                 "summary", "has_notes", "url", "tags")


def upgrade() -> None:
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("date", sa.Date, nullable=True),
        sa.Column("venue", sa.Text, nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.UniqueConstraint("report_id", "event_id", name="uq_report_events"),
    )
    op.create_table(
        "talk_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("talk_id", sa.Integer, sa.ForeignKey("talks.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("session_code", sa.String(50), nullable=True),
        sa.Column("speakers", sa.JSON, nullable=False),
        sa.Column("handles", sa.JSON, nullable=False),
        sa.Column("affiliations", sa.JSON, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("has_notes", sa.Boolean, nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.UniqueConstraint("talk_id", "report_id", name="uq_talk_sources"),
    )
    op.add_column("reports", sa.Column("given", sa.Text, nullable=True))
    op.add_column("reports", sa.Column("content_sha", sa.String(64), nullable=True))
    op.create_index("ix_reports_content_sha", "reports", ["content_sha"])
    op.execute("UPDATE reports SET given = source")
    op.execute(
        "INSERT INTO report_events (report_id, event_id, position, name, date, venue, url, tags) "
        "SELECT report_id, id, 0, name, date, venue, url, tags FROM events"
    )
    cols = ", ".join(_TALK_COLUMNS)
    picked = ", ".join(f"t.{c}" for c in _TALK_COLUMNS)
    op.execute(
        f"INSERT INTO talk_sources (talk_id, report_id, position, {cols}) "
        f"SELECT t.id, e.report_id, t.position, {picked} FROM talks t "
        "JOIN events e ON e.id = t.event_id"
    )
    with op.batch_alter_table("events", recreate="auto") as batch:
        batch.add_column(sa.Column("name_key", sa.String(200), nullable=False,
                                   server_default=""))
        batch.drop_column("report_id")
        batch.create_index("ix_events_name_key", ["name_key"])
        batch.create_index("ix_events_date", ["date"])
    if op.get_bind().dialect.name == "sqlite":
        # Talk ids are what Slack buttons and digest history hold: SQLite hands out the id
        # of a deleted last row again unless the table says AUTOINCREMENT (PostgreSQL's
        # sequences never do), so a forgotten talk's old button could show another talk.
        with op.batch_alter_table("talks", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass
    # The keys are computed by today's store.merge; a later change of the key brings its
    # own migration (or the importer recomputes them as reports are re-imported).
    from store.merge import event_key

    bind = op.get_bind()
    events = sa.table("events", sa.column("id", sa.Integer), sa.column("name", sa.Text),
                      sa.column("name_key", sa.String))
    rows = bind.execute(sa.select(events.c.id, events.c.name)).all()
    for event_id, name in rows:
        bind.execute(events.update().where(events.c.id == event_id)
                     .values(name_key=event_key(name)))


def downgrade() -> None:
    # Each event goes back to its first report; events that other reports share keep only
    # the first report's claim. Talk contributions of the other reports are lost.
    with op.batch_alter_table("events", recreate="auto") as batch:
        batch.drop_index("ix_events_date")
        batch.drop_index("ix_events_name_key")
        batch.add_column(sa.Column("report_id", sa.Integer, nullable=True))
    op.execute(
        "UPDATE events SET report_id = (SELECT min(report_id) FROM report_events "
        "WHERE report_events.event_id = events.id)"
    )
    op.execute("DELETE FROM events WHERE report_id IS NULL")
    with op.batch_alter_table("events", recreate="auto") as batch:
        batch.drop_column("name_key")
        batch.alter_column("report_id", existing_type=sa.Integer, nullable=False)
        batch.create_unique_constraint("uq_events_report_id", ["report_id"])
        batch.create_foreign_key("fk_events_report_id", "reports", ["report_id"], ["id"],
                                 ondelete="CASCADE")
    op.drop_index("ix_reports_content_sha", table_name="reports")
    op.drop_column("reports", "content_sha")
    op.drop_column("reports", "given")
    op.drop_table("talk_sources")
    op.drop_table("report_events")
