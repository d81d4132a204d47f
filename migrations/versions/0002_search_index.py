"""Search index: pre-tokenised talk documents; FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# store/search.py explains the design. In short: store.text turns every field into terms
# (words, CJK bigrams) in Python, so both databases index exactly the same terms and
# neither needs a tokenizer that understands Japanese; each only looks them up.
FIELDS = ("title", "people", "org", "event", "tags", "body")
HEAD = ("title", "people", "tags")


def _terms_array(cols: tuple[str, ...]) -> str:
    joined = " || ' ' || ".join(cols)
    # array_to_tsvector takes the terms as they are: no parser, no dictionary, no locale.
    return f"array_to_tsvector(array_remove(string_to_array({joined}, ' '), ''))"


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "search_docs",
        # (event date as a day number) << 32 | talk id: newest first is descending order.
        sa.Column("doc_key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=False),
        sa.Column("talk_id", sa.Integer, sa.ForeignKey("talks.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"),
                  nullable=False),
        *(sa.Column(name, sa.Text, nullable=False) for name in FIELDS),
        sa.Column("title_norm", sa.Text, nullable=False),
        sa.Column("people_norm", sa.Text, nullable=False),
    )
    op.create_index("ix_search_docs_event_id", "search_docs", ["event_id"])
    meta = op.create_table(
        "search_meta",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    # The generation changes with every write to the index; caches of the vocabulary
    # (for typo correction) and of names are keyed by it.
    op.bulk_insert(meta, [{"key": "generation", "value": "0"},
                          {"key": "store_id", "value": uuid.uuid4().hex}])
    cols = ", ".join(FIELDS)
    new = ", ".join(f"new.{c}" for c in FIELDS)
    old = ", ".join(f"old.{c}" for c in FIELDS)
    bump = "UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';"
    if bind.dialect.name == "sqlite":
        # detail=column: no positions (phrases are checked in Python), but column filters
        # for the title/speaker tier. The `ascii` tokenizer splits on ASCII spaces and
        # punctuation only, which the terms never contain.
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5({cols}, content='search_docs', "
            "content_rowid='doc_key', tokenize='ascii', detail='column')"
        )
        op.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')")
        op.execute(
            "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
            f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.doc_key, {new}); {bump} END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
            f"INSERT INTO search_fts(search_fts, rowid, {cols}) "
            f"VALUES ('delete', old.doc_key, {old}); {bump} END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN "
            f"INSERT INTO search_fts(search_fts, rowid, {cols}) "
            f"VALUES ('delete', old.doc_key, {old}); "
            f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.doc_key, {new}); {bump} END"
        )
    else:
        op.execute(
            "ALTER TABLE search_docs ADD COLUMN tsv_head tsvector "
            f"GENERATED ALWAYS AS ({_terms_array(HEAD)}) STORED"
        )
        op.execute(
            "ALTER TABLE search_docs ADD COLUMN tsv_all tsvector "
            f"GENERATED ALWAYS AS ({_terms_array(FIELDS)}) STORED"
        )
        # fastupdate off: a pending list left by a big import is scanned by every query
        # until vacuum; the store is read far more often than it is written.
        for name in ("tsv_head", "tsv_all"):
            op.execute(f"CREATE INDEX ix_search_docs_{name} ON search_docs "
                       f"USING gin ({name}) WITH (fastupdate = off)")
        op.execute(
            "CREATE FUNCTION search_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE search_meta SET value = (CAST(value AS bigint) + 1)::text "
            "WHERE key = 'generation'; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER search_docs_generation AFTER INSERT OR UPDATE OR DELETE "
            "ON search_docs FOR EACH STATEMENT EXECUTE FUNCTION search_bump_generation()"
        )
    # A store that already holds talks gets them indexed now. This uses today's
    # store.search; a later change of the index's columns brings its own migration.
    from store.search import rebuild_index

    with Session(bind=bind) as session:
        rebuild_index(session)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_vocab")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS search_docs_generation ON search_docs")
        op.execute("DROP FUNCTION IF EXISTS search_bump_generation()")
    op.drop_table("search_meta")
    op.drop_index("ix_search_docs_event_id", table_name="search_docs")
    op.drop_table("search_docs")
