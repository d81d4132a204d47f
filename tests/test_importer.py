"""Tests of store.importer on both databases: idempotency, replacement, bad files, atomicity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.decoding import MAX_BYTES
from store.importer import collect_files, import_paths
from store.models import Event, Report, Talk

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
    assert first.events == 5 and first.talks == 53
    second = import_paths(any_sessions, [seeds_dir])
    assert (second.imported, second.unchanged, second.events, second.talks) == (0, 5, 5, 53)


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

    def explode(_session: Session, _event: Event) -> None:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    result = import_paths(any_sessions, [f], on_event=explode)
    assert result.imported == 0 and result.rejected[0].error.startswith("database error")
    assert _counts(any_sessions) == (0, 0, 0)
    # and a failed re-import keeps the previous version whole
    import_paths(any_sessions, [f])
    f.write_text(GOOD.format(n=2), encoding="utf-8")
    import_paths(any_sessions, [f], on_event=explode)
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
    assert result.imported == 2 and result.events == 2


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
