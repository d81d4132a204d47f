"""Tests of store.importer on both databases: idempotency, replacement, bad files, atomicity."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, make_sessionmaker, upgrade
from store.decoding import MAX_BYTES
from store.errors import StoreError
from store.importer import collect_files, display_path, import_paths, source_name
from store.models import Event, Report, Talk
from store.queries import list_talks, talk_dict
from tests.conftest import CONTENT

GOOD = "---\nevent: \"Infra Study #{n}\"\ndate: 2024-05-0{n}\n---\n\n## 話 {n}\nby 誰か\n\n- メモ\n"


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as s:
        return (s.scalar(select(func.count(Report.id))) or 0,
                s.scalar(select(func.count(Event.id))) or 0,
                s.scalar(select(func.count(Talk.id))) or 0)


def test_import_paths_seeds_then_unchanged(any_sessions: sessionmaker[Session],
                                           seeds_dir: Path) -> None:
    first = import_paths(any_sessions, [seeds_dir])
    assert (first.files, first.imported, first.unchanged, first.rejected) == (5, 5, 0, [])
    assert first.events == 5 and first.talks == 57
    second = import_paths(any_sessions, [seeds_dir])
    assert (second.imported, second.unchanged, second.events, second.talks) == (0, 5, 5, 57)


def test_import_paths_changed_file_replaces_its_talks(any_sessions: sessionmaker[Session],
                                                      tmp_path: Path) -> None:
    f = tmp_path / "r.md"
    f.write_text(GOOD.format(n=1) + "\n## 二つ目\n\n- メモ\n", encoding="utf-8")
    import_paths(any_sessions, [f])
    assert _counts(any_sessions) == (1, 1, 2)
    f.write_text(GOOD.format(n=2), encoding="utf-8")
    result = import_paths(any_sessions, [f])
    assert result.imported == 1 and _counts(any_sessions) == (1, 1, 1)
    with any_sessions() as s:
        assert s.scalar(select(Event.name)) == "Infra Study #2"
        assert s.scalar(select(Talk.title)) == "話 2"


def test_import_paths_rejects_bad_files_and_keeps_good_ones(any_sessions: sessionmaker[Session],
                                                            tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(GOOD.format(n=1), encoding="utf-8")
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG" * 50)
    (tmp_path / "latin.txt").write_bytes(bytes([0x80, 0x81, 0xFF, 0xFE]) * 30)
    (tmp_path / "broken.md").write_text("---\ntitle: [x\n---\n## T\n", encoding="utf-8")
    (tmp_path / "notalk.txt").write_text("楽しかったです。\n", encoding="utf-8")
    (tmp_path / "huge.md").write_bytes(b"## t\n" + b"a" * MAX_BYTES)
    result = import_paths(any_sessions, [tmp_path])
    reasons = {Path(r.path).name: r.error for r in result.rejected}
    assert result.imported == 1 and result.files == 7
    assert set(reasons) == {"empty.md", "binary.txt", "latin.txt", "broken.md", "notalk.txt",
                            "huge.md"}
    assert "empty" in reasons["empty.md"] and "binary" in reasons["binary.txt"]
    assert "undecodable" in reasons["latin.txt"] and "front matter" in reasons["broken.md"]
    assert "no talk" in reasons["notalk.txt"] and "5 MB" in reasons["huge.md"]
    assert all("\n" not in r for r in reasons.values())
    assert _counts(any_sessions) == (1, 1, 1)


def test_import_paths_failed_write_leaves_nothing(any_sessions: sessionmaker[Session],
                                                  tmp_path: Path) -> None:
    f = tmp_path / "r.md"
    f.write_text(GOOD.format(n=1), encoding="utf-8")

    def refuse(_session: Session, _event: Event) -> None:  # this file's fault
        raise IntegrityError("INSERT", {}, Exception("constraint failed"))

    def disk_full(_session: Session, _event: Event) -> None:  # the store's
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    result = import_paths(any_sessions, [f], on_event=refuse)
    assert result.imported == 0 and result.rejected[0].error.startswith("database error")
    assert _counts(any_sessions) == (0, 0, 0)
    with pytest.raises(StoreError, match="database or disk is full"):
        import_paths(any_sessions, [f], on_event=disk_full)
    assert _counts(any_sessions) == (0, 0, 0)
    # and a failed re-import keeps the previous version whole
    import_paths(any_sessions, [f])
    f.write_text(GOOD.format(n=2), encoding="utf-8")
    import_paths(any_sessions, [f], on_event=refuse)
    with pytest.raises(StoreError):
        import_paths(any_sessions, [f], on_event=disk_full)
    with any_sessions() as s:
        assert s.scalar(select(Event.name)) == "Infra Study #1"
    assert _counts(any_sessions) == (1, 1, 1)


def test_collect_files_recurses_skips_hidden_and_other_types(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for name in ("a/x.md", "a/b/y.TXT", "a/b/z.html", "a/w.markdown", "a/.hidden.md",
                 ".git/c.md", "a/picture.png", "a/notes.docx"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    files, missing = collect_files([tmp_path])
    assert sorted(Path(f).relative_to(tmp_path).as_posix() for f in files) == [
        "a/b/y.TXT", "a/b/z.html", "a/w.markdown", "a/x.md"]
    assert missing == []
    _, missing = collect_files([tmp_path / "nope"])
    assert missing[0].error == "no such file or folder"


def test_import_paths_file_of_unsupported_type_named_directly(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    f = tmp_path / "notes.docx"
    f.write_bytes(b"PK\x03\x04")
    result = import_paths(sessions, [f])
    assert "unsupported file type" in result.rejected[0].error


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp"])
def test_import_paths_legacy_encodings_with_crlf(sessions: sessionmaker[Session],
                                                 tmp_path: Path, encoding: str) -> None:
    f = tmp_path / "legacy.txt"
    text = "勉強会 #5 レポート\r\n\r\n認証の話 by 山田 太郎 (@taro)\r\n\r\n・トークンの期限\r\n"
    f.write_bytes(text.encode(encoding))
    result = import_paths(sessions, [f])
    assert result.rejected == [] and result.imported == 1
    with sessions() as s:
        talk = s.scalars(select(Talk)).one()
    assert (talk.title, talk.speakers, talk.notes) == ("認証の話", ["山田 太郎"], "- トークンの期限")


def test_import_paths_same_report_in_two_places_is_two_sources(
        sessions: sessionmaker[Session], tmp_path: Path, seeds_dir: Path) -> None:
    one = next(seeds_dir.glob("002_*"))
    (tmp_path / "copy").mkdir()
    shutil.copy(one, tmp_path / "copy" / "report.txt")
    result = import_paths(sessions, [one, tmp_path / "copy"])
    # two reports of one event: one event, each talk once with both files as its sources
    assert result.imported == 2 and result.events == 1 and result.talks == 8
    with sessions() as session:
        talks = [talk_dict(t) for t in list_talks(session)]
    assert all(len(t["sources"]) == 2 for t in talks)
    assert talks[0]["source"] == str(one)


def test_import_paths_reimports_when_the_parser_changes(sessions: sessionmaker[Session],
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "r.md"
    f.write_text(GOOD.format(n=1), encoding="utf-8")
    assert import_paths(sessions, [f]).imported == 1
    assert import_paths(sessions, [f]).unchanged == 1
    monkeypatch.setattr("store.importer.PARSER_VERSION", 999)
    assert import_paths(sessions, [f]).imported == 1
    assert _counts(sessions) == (1, 1, 1)


def test_import_paths_changed_file_keeps_ids_of_talks_it_still_has(
        any_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    f = tmp_path / "r.md"
    f.write_text(GOOD.format(n=1) + "\n## 二つ目\n\n- メモ\n\n## 三つ目\n\n- メモ\n",
                 encoding="utf-8")
    import_paths(any_sessions, [f])
    with any_sessions() as s:
        before = {t.title: t.id for t in s.scalars(select(Talk))}
        event_id = s.scalar(select(Event.id))
    f.write_text(GOOD.format(n=1) + "\n## 三つ目\n\n- 書き直した\n\n## 新しい話\n\n- メモ\n",
                 encoding="utf-8")
    assert import_paths(any_sessions, [f]).imported == 1
    with any_sessions() as s:
        after = {t.title: (t.id, t.position, t.notes) for t in s.scalars(select(Talk))}
        assert s.scalar(select(Event.id)) == event_id
    assert set(after) == {"話 1", "三つ目", "新しい話"}
    assert after["話 1"][0] == before["話 1"] and after["三つ目"][0] == before["三つ目"]
    assert after["三つ目"][1:] == (1, "- 書き直した")
    assert after["新しい話"][0] not in before.values()


# --------------------------------------------------------------------------- hostile files
NO_SUCH_DAY = "---\nevent: \"X\"\ndate: {date}\n---\n\n## Talk\n- point\n"


@pytest.mark.parametrize("date", ["2018-02-30", "2018-13-01", "0000-01-01",
                                  "2018-01-01T25:00:00", "2018-01-01T10:00:00+25:00",
                                  "!!timestamp 2018-02-30"])
def test_import_paths_invalid_front_matter_date_is_absent(any_sessions: sessionmaker[Session],
                                                          tmp_path: Path, date: str) -> None:
    (tmp_path / "a.md").write_text(NO_SUCH_DAY.format(date=date), encoding="utf-8")
    (tmp_path / "good.md").write_text(GOOD.format(n=1), encoding="utf-8")
    result = import_paths(any_sessions, [tmp_path])
    assert (result.imported, result.rejected) == (2, [])
    with any_sessions() as s:
        assert s.scalar(select(Event.date).where(Event.name == "X")) is None
    warnings = result.warnings[str(tmp_path / "a.md")]  # the front matter's come first
    assert "not a valid date" in warnings[0] and "no event date" in " ".join(warnings)


def test_import_paths_deep_yaml_and_alias_bomb_cost_one_rejection_each(
        any_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    from tests.test_frontmatter import BOMB

    (tmp_path / "deep.md").write_text("---\ntags: " + "[" * 10_000 + "]" * 10_000
                                      + "\n---\n## T\n- x\n", encoding="utf-8")
    (tmp_path / "bomb.md").write_text(BOMB + "tags: [" + ",".join(["*h"] * 9)
                                      + "]\n---\n## T\n- x\n", encoding="utf-8")
    (tmp_path / "bomb2.md").write_text(BOMB + "categories: [" + ",".join(["*h"] * 9)
                                       + "]\n---\n## T\n- x\n", encoding="utf-8")
    (tmp_path / "good.md").write_text(GOOD.format(n=1), encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = import_paths(any_sessions, [tmp_path])
        elapsed, peak = time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 3 and peak < 100 * 1024 * 1024  # four files, one of them stored
    reasons = {Path(r.path).name: r.error for r in result.rejected}
    assert result.imported == 1 and set(reasons) == {"deep.md", "bomb.md", "bomb2.md"}
    assert "deeper than" in reasons["deep.md"] and "aliases" in reasons["bomb.md"]
    assert "aliases" in reasons["bomb2.md"]


def test_import_paths_parser_bug_costs_only_its_file(sessions: sessionmaker[Session],
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from store import importer

    real = importer.parse_report

    def flaky(text: str, source: str = "") -> object:
        if "boom" in source:
            raise RecursionError("maximum recursion depth exceeded")
        return real(text, source=source)

    monkeypatch.setattr(importer, "parse_report", flaky)
    (tmp_path / "boom.md").write_text(GOOD.format(n=1), encoding="utf-8")
    (tmp_path / "good.md").write_text(GOOD.format(n=2), encoding="utf-8")
    result = import_paths(sessions, [tmp_path])
    assert result.imported == 1
    assert [(Path(r.path).name, r.error) for r in result.rejected] == [
        ("boom.md", "cannot read this report (RecursionError)")]


@pytest.mark.parametrize("name", [b"caf\xe9.md", b"\x83e\x83X\x83g.md", "テスト.md".encode()])
def test_import_paths_file_names_that_are_not_utf8(any_sessions: sessionmaker[Session],
                                                   tmp_path: Path, name: bytes) -> None:
    folder = os.fsencode(tmp_path / "r")
    os.mkdir(folder)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(GOOD.format(n=1).encode())
    with open(os.path.join(folder, b"bad-" + name), "wb"):
        pass  # empty: rejected, and its name must print
    result = import_paths(any_sessions, [tmp_path / "r"])
    assert result.imported == 1 and len(result.rejected) == 1
    shown = name.decode("utf-8", "backslashreplace")
    assert result.rejected[0].path == str(tmp_path / "r" / f"bad-{shown}")
    with any_sessions() as s:
        assert s.scalar(select(Report.source)) == str(tmp_path / "r" / shown)
    again = import_paths(any_sessions, [tmp_path / "r"])  # the same identity next time
    assert (again.imported, again.unchanged) == (0, 1)
    assert display_path(os.fsdecode(name)) == shown


def test_display_path_keeps_a_name_on_one_line() -> None:
    assert display_path("a\nrejected b.md: x\r\t\x1b\u2028.md") == (
        "a\\nrejected b.md: x\\r\\t\\x1b\\u2028.md")
    assert source_name("ok/日本語.md") == display_path("ok/日本語.md") == "ok/日本語.md"


def test_import_paths_newline_in_file_name(sessions: sessionmaker[Session],
                                           tmp_path: Path) -> None:
    (tmp_path / "x\nrejected fake.md").write_bytes(b"")
    result = import_paths(sessions, [tmp_path])
    assert [r.path for r in result.rejected] == [str(tmp_path / "x\\nrejected fake.md")]


def test_import_paths_long_fields_same_on_both_databases(any_sessions: sessionmaker[Session],
                                                         tmp_path: Path) -> None:
    venue, url = "V" * 3000, "https://example.com/" + "u" * 5000
    (tmp_path / "long.md").write_text(
        f"---\nevent: \"{'E' * 3000}\"\nvenue: \"{venue}\"\nurl: \"{url}\"\n---\n\n"
        "## Talk\nby 誰か\n\n- メモ\n", encoding="utf-8")
    result = import_paths(any_sessions, [tmp_path])
    assert (result.imported, result.rejected) == (1, [])
    with any_sessions() as s:
        ev = s.scalars(select(Event)).one()
        assert (ev.venue, ev.url) == (venue, url)
        assert ev.name == "E" * len(ev.name)  # the parser cuts names; the store keeps them


def test_store_report_long_fields_same_on_both_databases(
        any_sessions: sessionmaker[Session]) -> None:
    """Whatever the parser lets through, both databases store alike (they used to differ
    above 500, 1,000 and 2,000 characters)."""
    from store import merge
    from store.models import Report
    from store.reports import ParsedEvent, ParsedTalk

    title, url, name = "T" * 5000, "https://example.com/" + "u" * 5000, "E" * 3000
    with any_sessions.begin() as s:
        report = Report(source="/r.md", content_hash="0" * 64,
                        imported_at=dt.datetime.now(dt.UTC))
        s.add(report)
        s.flush()
        event = merge.attach(s, report, ParsedEvent(name=name, venue="V" * 3000, url=url),
                             [ParsedTalk(title=title, url=url)], merge.Previous())
        merge.refresh(s, [event.id])
    with any_sessions() as s:
        ev = s.scalars(select(Event)).one()
        talk = s.scalars(select(Talk)).one()
        assert (ev.name, ev.venue, ev.url) == (name, "V" * 3000, url)
        assert (talk.title, talk.url) == (title, url)


def test_import_paths_long_file_name_stem_as_event_name(any_sessions: sessionmaker[Session],
                                                        tmp_path: Path) -> None:
    # No event in the text: the name comes from the file name, up to NAME_MAX (255 bytes).
    f = tmp_path / ("n" * 250 + ".md")
    f.write_text("## 話\nby 誰か\n\n- メモ\n", encoding="utf-8")
    assert import_paths(any_sessions, [f]).imported == 1


def test_import_paths_path_too_long_rejected_on_both_databases(
        any_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    deep = tmp_path
    for _ in range(6):  # 6 × 200 characters, each a legal folder name
        deep = deep / ("d" * 200)
    deep.mkdir(parents=True)
    (deep / "r.md").write_text(GOOD.format(n=1), encoding="utf-8")
    wide = tmp_path / ("日本語" * 25)  # 75 characters, 225 bytes a level
    for _ in range(3):
        wide = wide / ("日本語" * 25)
    wide.mkdir(parents=True)
    (wide / "r.md").write_text(GOOD.format(n=2), encoding="utf-8")
    (tmp_path / "ok.md").write_text(GOOD.format(n=3), encoding="utf-8")
    result = import_paths(any_sessions, [tmp_path])
    assert result.imported == 2  # ok.md, and the 300-character Japanese path (900 bytes)
    assert [("path too long" in r.error) for r in result.rejected] == [True]


# --------------------------------------------------------------------------- folders, links
def test_import_paths_unreadable_folder_is_reported(sessions: sessionmaker[Session],
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "r.md").write_text(GOOD.format(n=1), encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "r.md").write_text(GOOD.format(n=2), encoding="utf-8")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads it anyway: make the kernel's answer the unprivileged one
        real = os.scandir

        def scandir(path: str) -> object:
            if os.fspath(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(locked))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        result = import_paths(sessions, [tmp_path])
    finally:
        locked.chmod(0o755)
    assert result.imported == 1
    assert [(r.path, r.error) for r in result.rejected] == [
        (str(locked), "cannot read folder: Permission denied")]


def test_import_paths_symlinks_outside_are_skipped(sessions: sessionmaker[Session],
                                                   tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(GOOD.format(n=1), encoding="utf-8")
    root = tmp_path / "notes"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "real.md").write_text(GOOD.format(n=2), encoding="utf-8")
    (root / "leak.md").symlink_to(outside / "secret.md")
    (root / "leakdir").symlink_to(outside)
    (root / "alias.md").symlink_to(root / "sub" / "real.md")  # inside: followed
    (root / "loop").symlink_to(root)  # inside: its files are imported once, under their path
    (root / "dangling.md").symlink_to(tmp_path / "gone.md")
    result = import_paths(sessions, [root])
    assert sorted(Path(r.path).name for r in result.skipped) == [
        "dangling.md", "leak.md", "leakdir"]
    assert all("not followed" in r.error for r in result.skipped
               if not r.path.endswith("dangling.md"))
    # a link inside the folder is another spelling of the file it leads to: one report
    assert (result.files, result.imported, result.unchanged, result.rejected) == (2, 1, 1, [])
    with sessions() as s:
        assert [Path(p).name for p in s.scalars(select(Report.source))] == ["real.md"]
    # Named directly, a link is read: the user chose it.
    assert import_paths(sessions, [root / "leak.md"]).imported == 1
    # Importing both folders, the link leads inside them.
    assert import_paths(sessions, [root, outside]).skipped[0].path.endswith("dangling.md")


# --------------------------------------------------------------------------- store failures
def _reports(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"r{i:03}.md").write_text(
            f"---\nevent: \"Study #{i}\"\n---\n\n## Talk {i} about storage\nby 誰か\n\n"
            + "".join(f"- point {k} about disks, pages and what fills them up\n"
                      for k in range(60)), encoding="utf-8")
    return folder


def test_import_paths_disk_full_stops_with_the_store_named(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    eng = make_engine(f"sqlite:///{db}")
    upgrade(eng)
    with eng.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0

    @event.listens_for(eng, "connect")
    def _small_disk(dbapi_conn: object, _record: object) -> None:
        cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
        cur.execute(f"PRAGMA max_page_count = {pages + 12}")
        cur.close()

    eng.dispose()
    with pytest.raises(StoreError) as info:
        import_paths(make_sessionmaker(eng), [_reports(tmp_path, 60)])
    assert info.value.cause == "database or disk is full"
    assert str(info.value) == f"cannot use the store sqlite:///{db}: database or disk is full"
    eng.dispose()


def test_import_paths_lost_connection_stops_with_the_store_named(pg_engine: Engine,
                                                                 tmp_path: Path) -> None:
    calls = []

    def kill_my_connection(session: Session, _event: Event) -> None:
        calls.append(1)
        if len(calls) == 2:
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    with pytest.raises(StoreError) as info:
        import_paths(make_sessionmaker(pg_engine), [_reports(tmp_path, 5)],
                     on_event=kill_my_connection, batch_files=1)
    assert "terminating connection" in info.value.cause and "\n" not in str(info.value)
    assert "postgresql" in info.value.store and len(calls) == 2
    with make_sessionmaker(pg_engine)() as s:  # the first batch stayed, the second is undone
        assert s.scalar(select(func.count(Report.id))) == 1


def test_import_paths_read_only_store_stops_before_blaming_files(
        sessions: sessionmaker[Session], engine: Engine, tmp_path: Path) -> None:
    folder = _reports(tmp_path, 3)
    assert import_paths(sessions, [folder]).imported == 3
    (folder / "new.md").write_text(GOOD.format(n=1), encoding="utf-8")
    ro = make_engine(f"sqlite:///file:{engine.url.database}?mode=ro&uri=true")
    with pytest.raises(StoreError) as info:
        import_paths(make_sessionmaker(ro), [folder])
    ro.dispose()
    assert info.value.cause == "attempt to write a readonly database"
    assert "mode=ro" in info.value.store


def test_import_paths_parses_in_processes_as_it_does_here(
        tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many changed files are parsed by a pool of processes; the store ends the same, and a
    rejected file is rejected with the same reason."""
    folder = tmp_path / "reports"
    shutil.copytree(seeds_dir, folder)
    shutil.copytree(CONTENT, folder / "notes")
    (folder / "broken.md").write_bytes(b"")

    def store(name: str) -> tuple[list[dict[str, object]], list[tuple[str, str]]]:
        engine = make_engine(f"sqlite:///{tmp_path / name}")
        upgrade(engine)
        result = import_paths(make_sessionmaker(engine), [folder])
        with make_sessionmaker(engine)() as session:
            talks = [{k: v for k, v in talk_dict(t).items() if k != "id"}
                     for t in list_talks(session)]
        engine.dispose()
        return talks, [(r.path, r.error) for r in result.rejected]

    here = store("here.db")
    from concurrent.futures import ProcessPoolExecutor

    pools: list[int] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr("store.importer.PARALLEL_MIN", 2)
    monkeypatch.setattr("store.importer.ProcessPoolExecutor", Counted)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    pooled = store("pooled.db")
    assert pools == [1]
    assert pooled == here and len(here[0]) > 50 and len(here[1]) == 1


def test_import_paths_reports_of_one_event_in_a_row_are_derived_once_and_survive_a_failure(
        any_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """Two reports of one event in a row: the event is derived with the second. When the
    second fails, the first is still derived and indexed at the end of the batch."""
    from store.search import search_talks

    (tmp_path / "a.md").write_text(GOOD.format(n=1) + "## Zanzibar tuples\nby Ann\n\n- a\n",
                                   encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD.format(n=1) + "## Cedar policies\nby Bo\n\n- b\n",
                                   encoding="utf-8")
    derived: list[int] = []

    def refuse_two(_session: Session, event: Event) -> None:
        derived.append(len(event.links))
        if len(event.links) > 1:
            raise IntegrityError("INSERT", {}, Exception("refused"))

    result = import_paths(any_sessions, [tmp_path], on_event=refuse_two)
    assert result.imported == 1 and [r.path for r in result.rejected] == [str(tmp_path / "b.md")]
    assert derived == [2, 1]  # not once per file: with b, then (b undone) for a alone
    assert _counts(any_sessions) == (1, 1, 2)
    with any_sessions() as s:
        assert [h.talk.title for h in search_talks(s, "zanzibar").hits] == ["Zanzibar tuples"]
        assert search_talks(s, "cedar").hits == []
