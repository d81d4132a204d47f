"""Engines and sessions for the store, bringing its schema to head with Alembic, and telling
a failing store from a failing statement."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from store.errors import StoreError

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///meetup_bot.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it only has to be the same for every copy of the bot.
_PG_MIGRATION_LOCK = 0x6D656574


def normalise_url(url: str) -> str:
    """Let `postgresql://` URLs use psycopg 3, the driver we ship, when psycopg2 is absent."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres") and not importlib.util.find_spec("psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if make_url(url).database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction, on SQLite too, so a crash leaves the
    old schema or the new one; several copies starting at once queue up. A store left without
    a revision by an interrupted upgrade of an older version is repaired first."""
    cfg = _alembic_config()
    with engine.connect() as conn, _migration_transaction(conn):
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        _repair_unversioned(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision`, in one transaction with the same care as
    `upgrade` (foreign keys off on SQLite while tables are copied)."""
    cfg = _alembic_config()
    with engine.connect() as conn, _migration_transaction(conn):
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@contextmanager
def _migration_transaction(conn: Connection) -> Iterator[None]:
    """One real transaction around the whole upgrade.

    pysqlite (Python < 3.12 semantics) opens a transaction only before INSERT/UPDATE/DELETE,
    so CREATE TABLE ran in autocommit: a crash mid-upgrade left tables without a revision.
    Taking over transaction control (SQLAlchemy's recipe for pysqlite) makes SQLite's
    transactional DDL work; IMMEDIATE takes the write lock first, so a second copy waits and
    then finds the schema at head.
    """
    if conn.dialect.name != "sqlite":
        with conn.begin():
            yield
        return
    raw = conn.connection.driver_connection
    saved = raw.isolation_level  # type: ignore[union-attr]
    raw.isolation_level = None  # type: ignore[union-attr]
    try:
        # Foreign keys off for the upgrade (it cannot change inside a transaction): SQLite
        # changes a table by copying it, and dropping the old copy with foreign keys on
        # would cascade into every table that points at it. They are checked before commit.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise RuntimeError(f"the upgrade left a row of {broken[0]} pointing at a "
                                   f"missing row of {broken[2]}")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    finally:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        raw.isolation_level = saved  # type: ignore[union-attr]


# The tables each revision creates, in order; only these can be left behind by an upgrade.
_REVISION_TABLES = (
    ("0001", ("reports", "events", "talks")),
    ("0002", ("search_docs", "search_meta")),
    ("0003", ("slack_events",)),
    ("0004", ("subscriptions", "digest_posts")),
    ("0006", ("report_events", "talk_sources")),
    ("0007", ("pending_imports",)),
)
# Revisions that only add columns: (revision, table, columns), in order, after the above.
_REVISION_COLUMNS = (
    ("0008", "subscriptions", ("topic", "access")),
)
# Revisions after those that add tables again: (revision, tables), in order.
_LATER_TABLES = (
    ("0009", ("remote_versions",)),
)
_SQLITE_INDEX_TABLES = ("search_vocab", "search_fts")  # FTS5, made by 0002 on SQLite
_DATA_TABLES = ("reports", "slack_events", "subscriptions", "digest_posts")


def _repair_unversioned(conn: Connection) -> None:
    """A store with our tables but no Alembic revision (an upgrade killed by an older version,
    whose SQLite DDL was not transactional): rebuilt when it holds no data, else stamped with
    the revision its tables show, else explained in one line."""
    if MigrationContext.configure(conn).get_current_revision() is not None:
        return
    tables = set(inspect(conn).get_table_names())
    ours = [t for _rev, names in (*_REVISION_TABLES, *_LATER_TABLES) for t in names
            if t in tables]
    if conn.dialect.name == "sqlite":
        ours += [t for t in _SQLITE_INDEX_TABLES if t in tables]
    if not ours:
        return
    store = hidden_url(conn.engine.url)
    holds_data = any(conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first()
                     for t in _DATA_TABLES if t in tables)
    if not holds_data:
        log.warning("the store %s was left half-migrated by an interrupted upgrade and holds "
                    "no data: building its schema afresh", store)
        for t in [*_SQLITE_INDEX_TABLES, *(n for _r, names in reversed(
                (*_REVISION_TABLES, *_LATER_TABLES)) for n in reversed(names))]:
            if t in ours:
                cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
                conn.execute(text(f"DROP TABLE {t}{cascade}"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION IF EXISTS search_bump_generation()"))
        return
    found = None
    for rev, names in _REVISION_TABLES:
        if all(n in tables for n in names):
            found = rev
        else:
            break
    later = [n for rev, names in _REVISION_TABLES if found is None or rev > found
             for n in names if n in tables]
    complete = found is not None and not later and (
        conn.dialect.name != "sqlite" or found < "0002"
        or all(t in tables for t in _SQLITE_INDEX_TABLES))
    if complete and found == _REVISION_TABLES[-1][0]:
        for rev, table, columns in _REVISION_COLUMNS:
            have = {c["name"] for c in inspect(conn).get_columns(table)}
            if not all(c in have for c in columns):
                break
            found = rev
        if found == _REVISION_COLUMNS[-1][0]:
            for rev, names in _LATER_TABLES:
                if not all(n in tables for n in names):
                    break
                found = rev
    if not complete or found is None:
        raise StoreError(store, "its tables hold data but have no schema version, and they "
                                "match no version (an upgrade was interrupted): restore a "
                                "backup, or import the reports into a new store")
    log.warning("the store %s has the tables of revision %s but no revision: recording it",
                store, found)
    command.stamp(_stamp_config(conn), found)


def _stamp_config(conn: Connection) -> Config:
    cfg = _alembic_config()
    cfg.attributes["connection"] = conn
    return cfg


def hidden_url(url: str | URL) -> str:
    """The store's URL for messages: the password hidden, a SQLite path as written."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":  # no password; keep `file:` paths readable
        query = "&".join(f"{k}={v}" for k, vs in parsed.query.items()
                         for v in ((vs,) if isinstance(vs, str) else vs))
        return f"{parsed.drivername}:///{parsed.database or ''}" + (f"?{query}" if query else "")
    return parsed.render_as_string(hide_password=True)


def error_line(exc: BaseException) -> str:
    """The driver's own first line for a database error, without SQLAlchemy's statement and
    parameters (they may hold report text or secrets); those are for `-v` logs only."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return first[:200]


# PostgreSQL SQLSTATE classes that mean the store, not the statement: connection exception,
# insufficient resources (disk full), operator intervention (shutdown), system error (I/O).
_STORE_SQLSTATE_CLASSES = ("08", "53", "57", "58")
_STORE_SQLSTATES = ("25006", "42501")  # read-only transaction, insufficient privilege


def store_failure(exc: BaseException) -> str | None:
    """The one-line cause when `exc` means the store as a whole cannot be used (read-only,
    disk full, connection lost, locked), else None: then the statement, and the file it
    came from, are to blame (a constraint, a value the column refuses)."""
    if isinstance(exc, DisconnectionError | PoolTimeout):
        return error_line(exc)
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return error_line(exc)
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate:
        if sqlstate[:2] in _STORE_SQLSTATE_CLASSES or sqlstate in _STORE_SQLSTATES:
            return error_line(exc)
        return None
    # SQLite: readonly, disk full, I/O error, locked, cannot open; a driver's closed connection.
    if isinstance(exc, OperationalError | InterfaceError):
        return error_line(exc)
    return None


def ensure_schema(engine: Engine) -> None:
    """Upgrade only when the database is behind, so ordinary commands stay fast."""
    if current_revision(engine) != head_revision():
        upgrade(engine)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
