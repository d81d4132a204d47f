"""bot.notes: the notes `serve` imports at start and re-imports on an interval, with pruning."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import GlossarySearch, check_glossary, default_search
from bot.notes import (
    REIMPORT_JOB,
    content_folders,
    import_content,
    reimport,
    schedule_reimport,
)
from bot.settings import Settings, SettingsError
from store.identity import BUNDLED
from store.models import Report, Talk
from store.search import search_talks
from tests.conftest import CONTENT

NOTE = """---
event: "Team Notes #{n}"
date: 2024-06-0{n}
---

## {title}
by 山田 花子

- {title} の話
"""


def _note(folder: Path, n: int, title: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"note-{n}.md"
    path.write_text(NOTE.format(n=n, title=title), encoding="utf-8")
    return path


def _titles(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as s:
        return set(s.scalars(select(Talk.title)))


def test_import_content_imports_then_prunes_a_deleted_file(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    _note(notes, 1, "Zebrafish operators")
    gone = _note(notes, 2, "Quokka networking")
    settings = Settings(content_dir=str(notes))
    first = import_content(settings, sessions)
    assert (first.files, first.imported, first.rejected, first.forgotten) == (2, 2, [], [])
    assert _titles(sessions) == {"Zebrafish operators", "Quokka networking"}
    gone.unlink()
    second = import_content(settings, sessions)
    assert (second.files, second.imported, second.unchanged) == (1, 0, 1)
    assert second.forgotten == [str(gone)]
    assert _titles(sessions) == {"Zebrafish operators"}


def test_import_content_several_folders(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    _note(tmp_path / "a", 1, "From A")
    _note(tmp_path / "b b", 2, "From B")
    settings = Settings(content_dir=f"{tmp_path / 'a'}:{tmp_path / 'b b'}:")
    assert content_folders(settings) == [str(tmp_path / "a"), str(tmp_path / "b b")]
    assert import_content(settings, sessions).imported == 2
    assert _titles(sessions) == {"From A", "From B"}


def test_import_content_rejected_file_is_logged_not_raised(
        sessions: sessionmaker[Session], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    notes = tmp_path / "notes"
    _note(notes, 1, "Good one")
    (notes / "empty.md").write_bytes(b"")
    result = import_content(Settings(content_dir=str(notes)), sessions)
    assert result.imported == 1 and len(result.rejected) == 1
    assert "1 rejected" in caplog.text and "empty.md" in caplog.text


def test_import_content_unset_imports_the_bundled_notes(sessions: sessionmaker[Session]) -> None:
    result = import_content(Settings(), sessions)
    assert result.rejected == [] and result.imported == result.files == len(
        list(CONTENT.glob("*.md")))
    with sessions() as s:
        sources = set(s.scalars(select(Report.source)))
    assert sources and all(src.startswith(BUNDLED + "/") for src in sources)


@pytest.mark.parametrize(("is_file", "message"), [
    (False, "is not a folder (missing)"),
    (True, "is not a folder (a file)"),
], ids=["missing", "a-file"])
def test_content_folders_must_exist(tmp_path: Path, is_file: bool, message: str) -> None:
    target = tmp_path / "notes"
    if is_file:
        target.write_text("x", encoding="utf-8")
    ok = tmp_path / "ok"
    ok.mkdir()
    with pytest.raises(SettingsError, match=re.escape(f"CONTENT_DIR: {target} {message}")):
        content_folders(Settings(content_dir=f"{ok}:{target}"))


def test_content_folders_unreadable_is_an_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    target = tmp_path / "notes"
    target.mkdir(mode=0o000)
    try:
        with pytest.raises(SettingsError, match="cannot be read by this user"):
            content_folders(Settings(content_dir=str(target)))
    finally:
        target.chmod(0o755)


def test_content_folders_names_no_folder() -> None:
    with pytest.raises(SettingsError, match="CONTENT_DIR names no folder"):
        content_folders(Settings(content_dir=" : "))


def test_reimport_picks_up_changes_and_search_sees_them(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """The search caches (vocabulary, people) follow the store's generation, so a re-import
    is searchable at once, typos included."""
    notes = tmp_path / "notes"
    _note(notes, 1, "Zebrafish operators")
    settings = Settings(content_dir=str(notes), import_interval=60)
    import_content(settings, sessions)
    with sessions() as s:
        assert search_talks(s, "zebrafsh").hits  # warms the caches on this generation
        assert not search_talks(s, "quokka").hits
    _note(notes, 2, "Quokka networking")
    result = reimport(settings, sessions)
    assert result is not None and result.imported == 1
    with sessions() as s:
        assert [h.talk.title for h in search_talks(s, "quoka").hits] == ["Quokka networking"]


def test_reimport_never_raises(sessions: sessionmaker[Session], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               caplog: pytest.LogCaptureFixture) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("bot.notes.import_paths", boom)
    assert reimport(Settings(content_dir=str(tmp_path), import_interval=5), sessions) is None
    assert "re-importing the notes failed" in caplog.text and "disk on fire" in caplog.text


def test_reimport_folder_gone_since_start_is_rejected_not_pruned(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """An unmounted share must not forget the team's notes."""
    notes = tmp_path / "notes"
    other = tmp_path / "other"
    _note(notes, 1, "Kept while unmounted")
    _note(other, 2, "Other folder")
    settings = Settings(content_dir=f"{notes}:{other}", import_interval=60)
    import_content(settings, sessions)
    notes.rename(tmp_path / "unmounted")
    result = reimport(settings, sessions)
    assert result is not None and [r.path for r in result.rejected] == [str(notes)]
    assert result.forgotten == []
    assert _titles(sessions) == {"Kept while unmounted", "Other folder"}


def test_reimport_unchanged_is_quiet(sessions: sessionmaker[Session], tmp_path: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    _note(tmp_path / "notes", 1, "Same")
    settings = Settings(content_dir=str(tmp_path / "notes"), import_interval=60)
    import_content(settings, sessions)
    caplog.set_level(logging.INFO, logger="meetup_bot.notes")
    caplog.clear()
    reimport(settings, sessions)
    assert caplog.text == ""


def test_schedule_reimport_registers_an_interval_job(sessions: sessionmaker[Session]) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    settings = Settings(content_dir="/notes", import_interval=300)
    job = schedule_reimport(scheduler, settings, sessions)
    assert job is not None and scheduler.get_job(REIMPORT_JOB) is not None
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval.total_seconds() == 300
    assert (job.max_instances, job.coalesce) == (1, True)
    assert job.func is reimport and job.args == (settings, sessions)


def test_schedule_reimport_unset_registers_nothing(sessions: sessionmaker[Session]) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    assert schedule_reimport(scheduler, Settings(content_dir="/notes"), sessions) is None
    assert scheduler.get_jobs() == []


# ---------------------------------------------------------------- GLOSSARY


def test_check_glossary_unreadable_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^GLOSSARY: cannot read the glossary .*gone\.yaml"):
        check_glossary(Settings(glossary=str(tmp_path / "gone.yaml")))
    broken = tmp_path / "broken.yaml"
    broken.write_text("synonyms: [[\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"GLOSSARY: the glossary .* is not valid YAML"):
        check_glossary(Settings(glossary=str(broken)))
    check_glossary(Settings())  # unset: nothing to check


def test_default_search_uses_the_glossary_setting(
        seeded: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text("synonyms:\n  - [zebrafish, telepresence]\n", encoding="utf-8")
    backend = default_search(str(path))
    assert isinstance(backend, GlossarySearch)
    with seeded() as s:
        assert not default_search().search_talks(s, "zebrafish").hits
        hits = backend.search_talks(s, "zebrafish").hits
    assert hits and "Telepresence" in hits[0].talk.title
