"""Titles, event names, venues and URLs as unbounded text, so both databases accept the same.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, column, old length). A report's text has no natural limit: SQLite never enforced
# VARCHAR(n) and stored a 5,000-character title that PostgreSQL refused. reports.source keeps
# its limit (the importer checks it); it carries a unique index.
COLUMNS = (
    ("events", "name", 500),
    ("events", "venue", 500),
    ("events", "url", 2000),
    ("talks", "title", 1000),
    ("talks", "url", 2000),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Nothing to do: SQLite does not enforce the length. Changing the declared type would
        # mean copying the tables, and dropping `talks` with foreign keys on would cascade
        # into the search index and the digest's history.
        return
    for table, column, _length in COLUMNS:
        # varchar -> text is binary-compatible on PostgreSQL: no rewrite, indexes kept.
        op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(_length))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, length in COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = left({column}, {length}) "
                   f"WHERE length({column}) > {length}")
        op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text())
