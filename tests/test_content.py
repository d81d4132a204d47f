"""The bundled notes in content/: one counterpart per seed talk, nothing invented, own words."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, make_sessionmaker, upgrade
from store.importer import import_paths
from store.models import Talk
from tests.conftest import CONTENT


def _talks(store: Path, path: Path) -> dict[str, Talk]:
    """The talks of `path` alone, read from a store of their own (the seeds and the notes
    describe the same events, so one store would merge them)."""
    engine = make_engine(f"sqlite:///{store}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    result = import_paths(sessions, [path])
    assert result.rejected == [], result.rejected
    with sessions() as s:
        return {t.title: t for t in s.query(Talk).all()}


def test_content_imports_five_events_without_rejects(sessions: sessionmaker[Session]) -> None:
    result = import_paths(sessions, [CONTENT])
    assert (result.files, result.imported, result.rejected, result.events) == (5, 5, [], 5)


def test_content_matches_every_seed_talk_and_invents_none(
        tmp_path: Path, seeds_dir: Path) -> None:
    seeds = _talks(tmp_path / "seeds.db", seeds_dir)
    notes = _talks(tmp_path / "notes.db", CONTENT)
    # Every talk of the seeds, the keynotes of a keynote block included, has its note, and
    # no note names a talk the seeds do not hold.
    assert not {t for t in seeds if t in ("キーノート", "Keynote")}
    assert set(seeds) == set(notes), (set(seeds) ^ set(notes))
    for title, seed in seeds.items():
        mine = notes[title]
        assert mine.speakers == seed.speakers, title
        assert mine.has_notes == seed.has_notes, title
        if mine.has_notes:
            assert 2 <= mine.notes.count("\n- ") + mine.notes.startswith("- ") <= 4, title
            assert mine.tags, title


# Front-matter and metadata lines hold facts (names, dates, URLs), not sentences.
_FACT = re.compile(r"^(event|date|venue|url|tags|slides|video): ")


def _norm(line: str) -> str:
    return re.sub(r"\s+", "", line)


def test_content_shares_no_long_line_with_the_reports(seeds_dir: Path) -> None:
    """Notes are written in the project's own words: no line of 20+ characters in common.

    Talk headings, speaker lines and metadata lines carry facts (titles, names, URLs) and are
    exempt.
    """
    seed_lines = set()
    for f in seeds_dir.iterdir():
        for line in f.read_text(encoding="utf-8").splitlines():
            if len(_norm(line)) >= 20:
                seed_lines.add(_norm(line))
    # A report line inside a notes line counts when it is a sentence, not a bare name or URL.
    sentences = {s for s in seed_lines if re.search(r"[\u3041-\u309f]", s)}
    shared = []
    for f in CONTENT.glob("*.md"):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.startswith(("## ", "by ")) or _FACT.match(line) or len(_norm(line)) < 20:
                continue
            body = _norm(line)
            if body in seed_lines or any(body in s for s in seed_lines) or any(
                    s in body for s in sentences):
                shared.append((f.name, line))
    assert shared == []
