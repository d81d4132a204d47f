"""A report's life in the store, on SQLite and PostgreSQL: one identity however it is named,
one event however many reports tell it, removal of one report's part only, pruning, and
several importers at once."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import cli  # loaded here, so forked importers start at once
from store.db import make_engine, make_sessionmaker, normalise_url
from store.importer import forget_paths, import_paths
from store.models import Event, Report, Talk, TalkSource
from tests.conftest import CONTENT

EVENT = '---\nevent: "{event}"\ndate: {date}\n---\n\n'
TALK = "## {title}\nby {speaker}\n\n- {note}\n\n"


def _report(path: Path, talks: list[tuple[str, str, str]], *, event: str = "Infra Study #7",
            date: str = "2024-05-07") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = EVENT.format(event=event, date=date) + "".join(
        TALK.format(title=t, speaker=s, note=n) for t, s, n in talks)
    path.write_text(body, encoding="utf-8")
    return path


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as s:
        return (s.scalar(select(func.count(Report.id))) or 0,
                s.scalar(select(func.count(Event.id))) or 0,
                s.scalar(select(func.count(Talk.id))) or 0)


def _talks(sessions: sessionmaker[Session]) -> dict[str, Talk]:
    with sessions() as s:
        return {t.title: t for t in s.scalars(select(Talk))}


def test_three_spellings_of_one_folder_give_one_copy(any_sessions: sessionmaker[Session],
                                                     tmp_path: Path) -> None:
    shutil.copytree(CONTENT, tmp_path / "notes")
    (tmp_path / "alias").symlink_to(tmp_path / "notes")
    first = import_paths(any_sessions, ["notes"])  # the tests run in tmp_path
    assert first.imported == 5 and not first.rejected
    counts = _counts(any_sessions)
    assert counts[:2] == (5, 5)
    for spelling in ("./notes/", str(tmp_path / "notes"), str(tmp_path / "alias" / "."),
                     str(tmp_path / "notes" / ".." / "notes")):
        again = import_paths(any_sessions, [spelling])
        assert (again.imported, again.unchanged) == (0, 5), spelling
        assert _counts(any_sessions) == counts, spelling


def test_renamed_or_moved_file_stays_one_report(any_sessions: sessionmaker[Session],
                                                tmp_path: Path) -> None:
    talks = [("Ephemeral clusters", "山田 花子", "memo"), ("Quota tuning", "Ann Lee", "memo")]
    f = _report(tmp_path / "notes" / "a.md", talks)
    import_paths(any_sessions, [tmp_path / "notes"])
    ids = {t: v.id for t, v in _talks(any_sessions).items()}
    renamed = f.rename(tmp_path / "notes" / "b.md")
    assert import_paths(any_sessions, [tmp_path / "notes"]).imported == 1
    moved = tmp_path / "elsewhere" / "c.md"
    moved.parent.mkdir()
    renamed.rename(moved)
    assert import_paths(any_sessions, [moved]).imported == 1  # the old folder not named
    assert _counts(any_sessions) == (1, 1, 2)
    assert {t: v.id for t, v in _talks(any_sessions).items()} == ids
    with any_sessions() as s:
        assert s.scalars(select(Report.source)).one() == str(moved)


def test_content_and_seeds_give_five_events_each_seed_talk_with_two_sources(
        any_sessions: sessionmaker[Session], seeds_dir: Path) -> None:
    alone = import_paths(any_sessions, [CONTENT])
    result = import_paths(any_sessions, [seeds_dir])
    assert not result.rejected and result.imported == 5
    # the union: every seed talk is one the notes have (the seed's block of keynotes is
    # split into the notes' keynotes), so nothing is added and nothing repeats
    assert (result.events, result.talks) == (5, alone.talks)
    with any_sessions() as s:
        seed_reports = set(s.scalars(select(Report.id).where(  # identities are resolved
            Report.source.startswith(os.path.realpath(seeds_dir)))))
        assert len(seed_reports) == 5
        for talk in s.scalars(select(Talk)):
            reports = [src.report_id for src in talk.sources]
            assert len(reports) == 2 and len(set(reports) & seed_reports) == 1, talk.title
        seeds_told = s.scalar(select(func.count(func.distinct(TalkSource.talk_id))).where(
            TalkSource.report_id.in_(seed_reports)))
        assert seeds_told == alone.talks


def test_seeds_then_content_give_the_same_talks_as_content_then_seeds(
        any_sessions: sessionmaker[Session], seeds_dir: Path) -> None:
    """A block an earlier report wrote as one talk is split when a later report tells its
    parts (the other way round from the test above)."""
    import_paths(any_sessions, [seeds_dir])
    result = import_paths(any_sessions, [CONTENT])
    assert not result.rejected and result.events == 5
    notes_only = len(list(CONTENT.glob("*.md")))
    with any_sessions() as s:
        for talk in s.scalars(select(Talk)):
            assert len({src.report_id for src in talk.sources}) == 2, talk.title
        assert s.scalar(select(func.count(Report.id))) == 5 + notes_only


def test_changing_or_forgetting_one_of_two_reports_keeps_the_others(
        any_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    a = _report(tmp_path / "a.md", [("Zanzibar authorization", "山田 花子", "tuples from A"),
                                    ("Cedar policies", "Ann Lee", "policy notes from A")])
    b = _report(tmp_path / "b.md", [("Cedar Policies", "Ann Lee", "what B wrote"),
                                    ("OPA at scale", "鈴木 一郎", "rego from B")],
                event="infra study #7 参加レポート")
    import_paths(any_sessions, [a, b])
    assert _counts(any_sessions) == (2, 1, 3)
    before = {t: v.id for t, v in _talks(any_sessions).items()}
    cedar = _talks(any_sessions)["Cedar policies"]
    assert "from A" in cedar.notes and "what B wrote" in cedar.notes

    _report(a, [("Cedar policies", "Ann Lee", "rewritten by A")])  # A drops Zanzibar
    assert import_paths(any_sessions, [a, b]).imported == 1
    after = _talks(any_sessions)
    assert set(after) == {"Cedar policies", "OPA at scale"}
    assert {t: after[t].id for t in after} == {t: before[t] for t in after}
    assert "rewritten by A" in after["Cedar policies"].notes
    assert "policy notes" not in after["Cedar policies"].notes

    gone = forget_paths(any_sessions, [a])
    assert gone.forgotten and not gone.unknown and (gone.events, gone.talks) == (1, 2)
    left = _talks(any_sessions)
    assert {t: v.id for t, v in left.items()} == {"Cedar Policies": before["Cedar policies"],
                                                  "OPA at scale": before["OPA at scale"]}
    assert left["Cedar Policies"].notes == "- what B wrote"
    with any_sessions() as s:
        assert s.scalars(select(Event.name)).one() == "infra study #7 参加レポート"
    assert forget_paths(any_sessions, [b]).talks == 0
    assert _counts(any_sessions) == (0, 0, 0)


def test_forget_by_folder_when_the_files_are_gone(any_sessions: sessionmaker[Session],
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    _report(folder / "one.md", [("Talk one", "Ann Lee", "memo")])
    _report(folder / "sub" / "two.md", [("Talk two", "Bo Li", "memo")], event="Other #1")
    import_paths(any_sessions, [folder])
    shutil.rmtree(folder)
    result = forget_paths(any_sessions, [folder, tmp_path / "never-imported.md"])
    assert len(result.forgotten) == 2 and result.unknown == [str(tmp_path / "never-imported.md")]
    assert _counts(any_sessions) == (0, 0, 0)


def test_prune_forgets_deleted_files_under_the_imported_folders(
        any_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    keep = _report(folder / "keep.md", [("Talk kept", "Ann Lee", "memo")])
    drop = _report(folder / "drop.md", [("Talk dropped", "Bo Li", "memo")], event="Other #1")
    other = _report(tmp_path / "outside.md", [("Talk outside", "Cy Ng", "memo")],
                    event="Third #3")
    import_paths(any_sessions, [folder, other])
    drop.unlink()
    assert import_paths(any_sessions, [folder]).forgotten is None  # no pruning unless asked
    assert len(_talks(any_sessions)) == 3
    other.unlink()
    result = import_paths(any_sessions, [folder], prune=True)
    assert result.forgotten == [str(drop)] and (result.unchanged, result.talks) == (1, 2)
    assert set(_talks(any_sessions)) == {"Talk kept", "Talk outside"}  # not under the folder
    assert keep.exists()


# --------------------------------------------------------------------------- importers at once
def _pg_schema_urls() -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests need a server (CI sets it)")
    base = normalise_url(base)
    admin = create_engine(base)
    schemas: list[str] = []
    try:
        def make() -> str:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            sep = "&" if "?" in base else "?"
            return f"{base}{sep}options=-csearch_path%3D{schema}"

        while True:
            yield make()
    finally:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _cli_in_child(args: list[str], out: Path) -> None:
    """`meetup-bot ARGS` in a forked process (the modules are already loaded, so the two
    importers start within milliseconds of each other), its output in `out`."""
    import logging

    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (the process ends below)
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    logging.root.handlers.clear()  # the child logs as the command line does, to `out`
    code = 1
    try:
        cli.main(args, prog_name="meetup-bot", standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_imports_of_one_folder_at_once_give_one_copy(backend: str, tmp_path: Path) -> None:
    import multiprocessing

    # Three small reports: the race is the same with five, and ten rounds on two stores
    # stay within seconds.
    folder = tmp_path / "notes"
    folder.mkdir()
    for path in sorted(CONTENT.glob("*.md"), key=lambda p: p.stat().st_size)[:3]:
        shutil.copy(path, folder)
    urls = _pg_schema_urls() if backend == "postgresql" else (
        f"sqlite:///{tmp_path / f'store{n}.db'}" for n in range(1000))
    fork = multiprocessing.get_context("fork")
    expected: tuple[int, int, int] | None = None
    try:
        for n in range(10):
            url = next(urls)
            logs = [tmp_path / f"run{n}-{k}.log" for k in range(2)]
            procs = [fork.Process(target=_cli_in_child,
                                  args=(["import", str(folder), "--db", url], log))
                     for log in logs]
            for p in procs:
                p.start()
            for p in procs:
                p.join(timeout=120)
            for p, log in zip(procs, logs, strict=True):
                out = log.read_text(encoding="utf-8")
                assert p.exitcode == 0, out
                assert "0 rejected" in out and "\nrejected" not in out, out
                assert "Traceback" not in out and "SQL" not in out, out
                assert "Violation" not in out and "IntegrityError" not in out, out
            engine = make_engine(url)
            try:
                counts = _counts(make_sessionmaker(engine))
            finally:
                engine.dispose()
            expected = expected or counts
            assert counts == expected == (3, 3, expected[2])
    finally:
        if isinstance(urls, Iterator):
            urls.close()  # type: ignore[attr-defined]
