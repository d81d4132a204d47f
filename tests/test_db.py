"""Tests of store.db: migrations on both databases, URL handling."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from store.db import current_revision, ensure_schema, head_revision, normalise_url


def test_upgrade_creates_tables_on_both_databases(any_engine: Engine) -> None:
    names = set(inspect(any_engine).get_table_names())
    assert {"reports", "events", "talks", "alembic_version"} <= names
    assert current_revision(any_engine) == head_revision()


def test_ensure_schema_is_idempotent(any_engine: Engine) -> None:
    ensure_schema(any_engine)
    ensure_schema(any_engine)
    assert current_revision(any_engine) == head_revision()


def test_normalise_url_uses_psycopg3_for_plain_postgresql() -> None:
    assert normalise_url("postgresql://u@h:5432/d").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_report_text_columns_are_unbounded_on_both_databases(any_engine: Engine) -> None:
    from sqlalchemy import Text

    insp = inspect(any_engine)
    for table, column in (("events", "name"), ("events", "venue"), ("events", "url"),
                          ("talks", "title"), ("talks", "url")):
        col = next(c for c in insp.get_columns(table) if c["name"] == column)
        if any_engine.dialect.name == "postgresql":
            assert isinstance(col["type"], Text), (table, column, col["type"])
        # SQLite never enforced VARCHAR(n); writing long values is checked in test_importer
