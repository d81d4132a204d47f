"""End-to-end tests of the `meetup-bot` command line (import, talks, db upgrade)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli

TALK_KEYS = {"id", "title", "speakers", "handles", "affiliations", "event", "source", "sources",
             "summary", "has_notes", "url"}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120, check=False)


def test_cli_import_seeds_json_then_unchanged(seeds_dir: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    first = _run("import", str(seeds_dir), "--json", "--db", db)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary == {"files": 5, "imported": 5, "unchanged": 0, "rejected": [],
                       "events": 5, "talks": 57}
    second = json.loads(_run("import", str(seeds_dir), "--json", "--db", db).stdout)
    assert second["unchanged"] == 5 and second["imported"] == 0
    talks = json.loads(_run("talks", "--json", "--db", db).stdout)
    assert len(talks) == 57 and set(talks[0]) == TALK_KEYS
    assert set(talks[0]["event"]) == {"id", "name", "date"}
    assert all(t["source"].startswith(str(seeds_dir)) for t in talks)


def test_cli_import_rejects_bad_file_exit_1(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("## 話\nby 誰か\n\n- メモ\n", encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"")
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(tmp_path), "--json",
                                 "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["imported"] == 1 and out["rejected"] == [{"path": str(bad), "error": "empty file"}]
    assert "Traceback" not in result.output


def test_cli_import_human_summary_and_default_content(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 0, result.output
    assert "5 files: 5 imported, 0 unchanged, 0 rejected" in result.stdout


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(cli, ["no-such-command"]).exit_code == 2


def test_cli_database_url_from_env_and_bad_url(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    result = _run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0 and db.exists()
    bad = _run("talks", "--db", "postgresql://user:s3cret-pass@127.0.0.1:1/none")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "s3cret-pass" not in bad.stderr + bad.stdout
    nonsense = _run("talks", "--db", "not a url")
    assert nonsense.returncode == 1 and "not a valid SQLAlchemy URL" in nonsense.stderr


def test_cli_talks_on_empty_store_says_how_to_import(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["talks", "--db", f"sqlite:///{tmp_path / 'e.db'}"])
    assert result.exit_code == 0 and "meetup-bot import" in result.stdout


def test_cli_settings_file_supplies_database_url(tmp_path: Path) -> None:
    (tmp_path / "meetup-bot.yaml").write_text(f"database_url: sqlite:///{tmp_path / 'y.db'}\n",
                                              encoding="utf-8")
    result = _run("db", "upgrade")
    assert result.returncode == 0 and (tmp_path / "y.db").exists()


@pytest.mark.parametrize("command", [[], ["import"], ["forget"], ["talks"], ["db", "upgrade"]])
def test_cli_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_cli_import_dry_run_folder_text_stores_nothing(seeds_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "dry.db"
    result = CliRunner().invoke(cli, ["import", "--dry-run", str(seeds_dir),
                                      "--db", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert "dry run, nothing stored: 5 files would give 5 events and 57 talks" in result.stdout
    assert "  event: " in result.stdout and " — " in result.stdout
    assert not db.exists()


def test_cli_import_dry_run_json_reports_warnings_and_rejections(tmp_path: Path) -> None:
    report = tmp_path / "notes.md"
    report.write_text("## Kubernetes upgrade story\nby Jane Doe (Acme)\n\n- a point\n\n"
                      "## Observability basics\n\n- a point\n", encoding="utf-8")
    (tmp_path / "empty.md").write_bytes(b"")
    result = CliRunner().invoke(cli, ["import", "--dry-run", "--json", str(tmp_path)])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["imported"] == 0 and out["files"] == 2 and out["talks"] == 2
    assert out["rejected"] == [{"path": str(tmp_path / "empty.md"), "error": "empty file"}]
    (rep,) = out["reports"]
    assert rep["path"] == str(report) and rep["event"]["date"] is None
    first = rep["talks"][0]
    assert set(first) == TALK_KEYS - {"id", "sources"}
    assert (first["title"], first["speakers"], first["affiliations"]) == (
        "Kubernetes upgrade story", ["Jane Doe"], ["Acme"])
    assert any("no event date stated" in w for w in rep["warnings"])
    assert any("name no speaker" in w and "Observability basics" in w for w in rep["warnings"])


def test_cli_import_dry_run_single_file_subprocess(seeds_dir: Path, tmp_path: Path) -> None:
    one = sorted(seeds_dir.iterdir())[0]
    result = _run("import", "--dry-run", str(one), "--db", f"sqlite:///{tmp_path / 'n.db'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(one)) and "1 files would give 1 events" in result.stdout
    assert not (tmp_path / "n.db").exists()


# --------------------------------------------------------------------------- hostile input
def _hostile_folder(tmp_path: Path) -> Path:
    r = tmp_path / "r"
    r.mkdir()
    (r / "a.md").write_text('---\nevent: "X"\ndate: 2018-02-30\n---\n\n## Talk\n- point\n',
                            encoding="utf-8")
    (r / "good.md").write_text("## 話\nby 誰か\n\n- メモ\n", encoding="utf-8")
    (r / "deep.md").write_text("---\ntags: " + "[" * 10_000 + "]" * 10_000
                               + "\n---\n## T\n- x\n", encoding="utf-8")
    (r / "x\nrejected fake.md").write_bytes(b"")
    folder = os.fsencode(r)
    with open(os.path.join(folder, b"caf\xe9.md"), "wb") as f:  # Latin-1 name, good report
        f.write("## Café talk\nby 誰か\n\n- メモ\n".encode())
    with open(os.path.join(folder, "テスト.md".encode("shift_jis")), "wb"):
        pass  # Shift_JIS name, empty: rejected
    return r


def test_cli_import_hostile_batch_imports_good_files_and_prints_summary(tmp_path: Path) -> None:
    r = _hostile_folder(tmp_path)
    db = f"sqlite:///{tmp_path / 'h.db'}"
    run = _run("import", str(r), "--db", db)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "6 files: 3 imported, 0 unchanged, 3 rejected" in run.stdout
    lines = run.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith("rejected ") for line in lines)
    assert f"rejected {r}/deep.md: front matter nested deeper than 20 levels" in lines
    assert f"rejected {r}/x\\nrejected fake.md: empty file" in lines
    assert f"rejected {r}/\\x83e\\x83X\\x83g.md: empty file" in lines
    runner = CliRunner()  # the same names, now as surrogate-escaped str paths
    as_json = json.loads(runner.invoke(cli, ["import", str(r), "--json", "--db", db]).stdout)
    assert {x["path"] for x in as_json["rejected"]} == {
        f"{r}/deep.md", f"{r}/x\\nrejected fake.md", f"{r}/\\x83e\\x83X\\x83g.md"}
    assert as_json["unchanged"] == 3
    talks = json.loads(runner.invoke(cli, ["talks", "--json", "--db", db]).stdout)
    assert f"{r}/caf\\xe9.md" in {t["source"] for t in talks}


def test_cli_import_read_only_store_one_line_no_sql(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    r = tmp_path / "r"
    r.mkdir()
    (r / "one.md").write_text("## 話\nby 誰か\n\n- メモ\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["import", str(r), "--db", f"sqlite:///{db}"]).exit_code == 0
    for n in range(3):
        (r / f"new{n}.md").write_text(f"## 話 {n}\nby 誰か\n\n- メモ\n", encoding="utf-8")
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    run = _run("import", str(r), "--db", url)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"Error: cannot use the store {url}: attempt to write a readonly database"]
    verbose = _run("-v", "import", str(r), "--db", url)
    assert verbose.returncode == 1 and "[SQL:" not in run.stderr + run.stdout
    assert "[SQL: INSERT INTO reports" in verbose.stderr  # the detail is there for operators


def test_cli_import_disk_full_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import Engine, event

    import bot.cli
    from store.db import make_engine

    def small_disk_engine(url: str) -> Engine:
        eng = make_engine(url)

        @event.listens_for(eng, "connect")
        def _limit(dbapi_conn: object, _record: object) -> None:
            cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
            cur.execute("PRAGMA max_page_count = 80")  # the schema takes about 60 pages
            cur.close()

        return eng

    monkeypatch.setattr(bot.cli, "make_engine", small_disk_engine)
    r = tmp_path / "r"
    r.mkdir()
    for n in range(40):
        (r / f"r{n}.md").write_text(f"## Talk {n}\nby 誰か\n\n" + "- a point, a page\n" * 120,
                                    encoding="utf-8")
    db = tmp_path / "full.db"
    result = CliRunner().invoke(cli, ["import", str(r), "--db", f"sqlite:///{db}"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: cannot use the store sqlite:///{db}: database or disk is full"]


def test_log_formatter_hides_sql_without_verbose() -> None:
    import logging

    from sqlalchemy.exc import IntegrityError

    from bot.cli import LogFormatter

    cause = IntegrityError("INSERT INTO reports (source) VALUES (?)", ("secret-token",),
                           Exception("UNIQUE constraint failed: reports.source"))
    try:
        try:
            raise cause
        except IntegrityError as exc:
            raise RuntimeError("digest round failed") from exc
    except RuntimeError as exc:
        info = (type(exc), exc, exc.__traceback__)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (cause,), info)
    quiet = LogFormatter("%(message)s", verbose=False).format(record)
    assert "secret-token" not in quiet and "[SQL:" not in quiet and "INSERT" not in quiet
    assert "UNIQUE constraint failed: reports.source" in quiet and "-v" in quiet
    record.exc_text = None
    loud = LogFormatter("%(message)s", verbose=True).format(record)
    assert "[SQL: INSERT INTO reports" in loud and "secret-token" in loud
    assert "Traceback" in loud


def test_cli_import_dry_run_shows_front_matter_warnings_and_odd_names(tmp_path: Path) -> None:
    r = _hostile_folder(tmp_path)
    result = CliRunner().invoke(cli, ["import", "--dry-run", "--json", str(r)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = json.loads(result.stdout)
    by_path = {rep["path"]: rep for rep in out["reports"]}
    assert "not a valid date or time, ignored: 2018-02-30" in by_path[f"{r}/a.md"]["warnings"]
    assert f"{r}/caf\\xe9.md" in by_path
    assert {x["path"] for x in out["rejected"]} == {
        f"{r}/deep.md", f"{r}/x\\nrejected fake.md", f"{r}/\\x83e\\x83X\\x83g.md"}


def test_cli_forget_and_prune(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    notes = tmp_path / "notes"
    notes.mkdir()
    for n in (1, 2):
        (notes / f"r{n}.md").write_text(f'---\nevent: "Study #{n}"\ndate: 2024-05-0{n}\n---\n\n'
                                        f"## Talk {n}\nby Ann Lee\n\n- memo\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(notes), "--db", db]).exit_code == 0
    (notes / "r1.md").unlink()
    pruned = runner.invoke(cli, ["import", "--prune", str(notes), "--json", "--db", db])
    assert pruned.exit_code == 0, pruned.output
    summary = json.loads(pruned.output)
    assert summary["forgotten"] == [str(notes / "r1.md")] and summary["talks"] == 1
    text = runner.invoke(cli, ["forget", str(notes / "r2.md"), "--db", db])
    assert text.exit_code == 0 and f"forgot {notes / 'r2.md'}" in text.output
    assert "1 report forgotten; the store holds 0 events and 0 talks." in text.output
    again = runner.invoke(cli, ["forget", str(notes / "r2.md"), "--json", "--db", db])
    assert again.exit_code == 1
    assert json.loads(again.stdout) == {"forgotten": [], "unknown": [str(notes / "r2.md")],
                                        "events": 0, "talks": 0}
    assert runner.invoke(cli, ["forget", "--db", db]).exit_code == 2  # no path: usage


@pytest.mark.parametrize("command", [["search", "k8s"], ["ask", "k8s"]])
def test_cli_glossary_setting_unreadable_is_an_error(command: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-glossary.yaml"
    result = CliRunner().invoke(cli, [*command, "--db", f"sqlite:///{tmp_path / 's.db'}"],
                                env={"GLOSSARY": str(missing)})
    assert result.exit_code == 1
    assert f"GLOSSARY: cannot read the glossary {missing}" in result.output


def test_cli_search_uses_the_glossary_setting(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert CliRunner().invoke(cli, ["import", "--db", db]).exit_code == 0  # the bundled notes
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("synonyms:\n  - [zebrafish, Telepresence]\n", encoding="utf-8")
    plain = CliRunner().invoke(cli, ["search", "zebrafish", "--json", "--db", db])
    assert json.loads(plain.output) == []
    mine = CliRunner().invoke(cli, ["search", "zebrafish", "--json", "--db", db],
                              env={"GLOSSARY": str(glossary)})
    assert mine.exit_code == 0 and json.loads(mine.output), mine.output


def test_cli_db_option_before_or_after_the_subcommand(tmp_path: Path) -> None:
    before, after = tmp_path / "before.db", tmp_path / "after.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", f"sqlite:///{before}", "import"]).exit_code == 0
    assert runner.invoke(cli, ["import", "--db", f"sqlite:///{after}"]).exit_code == 0
    both = runner.invoke(cli, ["--db", f"sqlite:///{tmp_path / 'no.db'}", "talks", "--json",
                               "--db", f"sqlite:///{before}"])
    assert both.exit_code == 0 and json.loads(both.output)  # the one after the command wins
    assert before.exists() and after.exists() and not (tmp_path / "no.db").exists()
