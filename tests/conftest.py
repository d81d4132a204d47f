"""Shared fixtures: a clean environment, stores on SQLite and PostgreSQL, the seed reports."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, make_sessionmaker, normalise_url, upgrade

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
CONTENT = ROOT / "content"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's tokens, database or settings file."""
    for key in list(os.environ):
        if key.startswith(("SLACK_", "DIGEST_")) or key in (
                "DATABASE_URL", "PORT", "BOT_LANGUAGE", "CONTENT_DIR", "IMPORT_INTERVAL", "GLOSSARY",
                "IMPORT_USERS", "IMPORT_ALLOW_HOSTS"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed reports are not at {SEEDS}")
    return SEEDS


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite store upgraded to head through Alembic, so triggers and indexes exist."""
    eng = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests need a server (CI sets it)")
    return normalise_url(url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = _pg_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # a server that is down: say so instead of erroring every test
        admin.dispose()
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {type(exc).__name__}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on both databases."""
    if request.param == "sqlite":
        return request.getfixturevalue("engine")
    return request.getfixturevalue("pg_engine")


@pytest.fixture
def any_sessions(any_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(any_engine)


@pytest.fixture
def seeded_sessions(sessions: sessionmaker[Session], engine: Engine,
                    seeded_template: Path) -> sessionmaker[Session]:
    """A SQLite store with the five seed reports imported: the session's one import, copied
    into this test's store with SQLite's backup API (milliseconds instead of a second)."""
    source = sqlite3.connect(seeded_template)
    raw = engine.raw_connection()
    try:
        source.backup(raw.driver_connection)
    finally:
        raw.close()
        source.close()
    return sessions


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """One SQLite store with the seed reports, shared by a module's read-only tests."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed reports are not at {SEEDS}")
    from store.importer import import_paths

    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'store.db'}")
    upgrade(eng)
    factory = make_sessionmaker(eng)
    assert not import_paths(factory, [SEEDS]).rejected
    yield factory
    eng.dispose()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the seed reports, imported once per session (for `seeded_copy`)."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed reports are not at {SEEDS}")
    from store.importer import import_paths

    path = tmp_path_factory.mktemp("seeded") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    result = import_paths(make_sessionmaker(eng), [SEEDS])
    assert not result.rejected, result.rejected
    eng.dispose()  # checkpoints the WAL into the file
    return path


@pytest.fixture
def seeded_copy(seeded_template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Like `seeded_sessions`, a writable store with the seed reports, but a copy of one
    imported file (about 10 ms instead of an import of about a second)."""
    path = tmp_path / "seeded.db"
    shutil.copyfile(seeded_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield make_sessionmaker(eng)
    eng.dispose()
