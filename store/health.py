"""Whether the store answers and accepts writes: one cheap probe that leaves nothing behind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

Status = Literal["ok", "degraded", "unavailable"]

# A write that matches no row, rolled back: the database still has to open a write transaction
# for it, which is exactly what a read-only file, a read-only connection (SQLite `mode=ro`,
# `PRAGMA query_only`), a read-only transaction, a standby or a role without the privilege
# refuses. It changes nothing and the table has one row.
_WRITE_PROBE = "UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"
_READ_PROBE = "SELECT id FROM events LIMIT 1"
PROBE_WAIT_MS = 250  # how long the probe waits for a lock before calling the store busy

_PG_READ_ONLY = "25006"  # read_only_sql_transaction (also what a hot standby answers)
_PG_NO_PRIVILEGE = "42501"  # insufficient_privilege
_PG_BUSY = ("55P03", "57014")  # lock_not_available, query_canceled (our own timeouts)


@dataclass(frozen=True)
class StoreHealth:
    """`ok`, `degraded` (answers reads, refuses writes) or `unavailable`; `reason` is for people
    and holds no URL, host or message text from the database, only what kind of failure."""

    status: Status
    reason: str | None = None


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _write_refusal(exc: DBAPIError) -> str | None:
    """Why the write probe was refused, or None when the store is merely busy."""
    message = str(exc.orig).lower()
    if "database is locked" in message or "database table is locked" in message:
        return None  # another connection is writing: the store takes writes
    state = _sqlstate(exc)
    if state == _PG_READ_ONLY or "readonly" in message or "read-only" in message:
        return "the store is read-only"
    if state == _PG_NO_PRIVILEGE:
        return "no permission to write to the store"
    if state in _PG_BUSY:
        return None  # a migration holds the table; busy, not broken
    return f"the store refuses writes ({type(exc.orig).__name__})"


def _bounded_waits(conn: Connection) -> int | None:
    """Make the probe give up on locks quickly; returns what to restore afterwards (SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {PROBE_WAIT_MS}")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {PROBE_WAIT_MS * 8}")
        return None
    if conn.dialect.name == "sqlite":
        before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {PROBE_WAIT_MS}")
        return int(before) if before is not None else None
    return None


def probe_store(engine: Engine) -> StoreHealth:
    """Reads a row, then tries a write that changes nothing, in a transaction rolled back."""
    try:
        with engine.connect() as conn:
            restore = _bounded_waits(conn)
            try:
                conn.execute(text(_READ_PROBE)).all()
                try:
                    conn.execute(text(_WRITE_PROBE))
                except DBAPIError as exc:
                    refusal = _write_refusal(exc)
                    if refusal is not None:
                        return StoreHealth("degraded", refusal)
            finally:
                conn.rollback()
                if restore is not None:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {restore}")
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        return StoreHealth("unavailable", f"the store does not answer ({type(orig).__name__})")
    return StoreHealth("ok")
