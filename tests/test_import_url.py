"""`meetup-bot import URL`: a page from a local web server, stored under its URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import cli
from store.importer import (
    fingerprint,
    forget_paths,
    import_paths,
    import_report,
    replaced_version,
)
from store.models import RemoteVersion, Report
from store.queries import list_talks
from store.remote import file_report
from tests.fakes.pages import Page, PageServer

PAGES = Path(__file__).parent / "fixtures" / "pages"
HARBOR = (PAGES / "harbor-rust-7.html").read_bytes()
KELP = (PAGES / "kelp-infra-3.md").read_bytes()


@pytest.fixture
def web() -> Iterator[PageServer]:
    with PageServer() as server:
        server.add("/blog/harbor-rust-7", Page(HARBOR))
        server.add("/notes/kelp-infra-3", Page(KELP, content_type="text/markdown"))
        server.add("/pdf", Page(b"%PDF-1.4", content_type="application/pdf"))
        yield server


def _import(db: str, *args: str, allow: str | None = "127.0.0.1") -> tuple[int, str, str]:
    env = {"IMPORT_ALLOW_HOSTS": allow} if allow else {}
    result = CliRunner().invoke(cli, ["import", *args, "--db", db], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_import_url_is_refused_for_the_local_server_unless_allowed(
        web: PageServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    url = web.url("/blog/harbor-rust-7")
    code, out, _ = _import(db, url, "--json", allow=None)
    assert code == 1
    [rejected] = json.loads(out)["rejected"]
    assert rejected["path"] == url and "loopback" in rejected["error"]
    assert web.requests == []
    code, out, _ = _import(db, url, "--json")
    assert code == 0 and json.loads(out)["imported"] == 1


def test_cli_import_url_stores_under_the_url_and_replaces_on_reimport(
        web: PageServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    url = web.url("/notes/kelp-infra-3")
    code, out, err = _import(db, url, "--json")
    assert code == 0, err
    assert json.loads(out) == {"files": 1, "imported": 1, "unchanged": 0, "rejected": [],
                               "events": 1, "talks": 2}
    assert _import(db, url, "--json")[1].count('"unchanged": 1') == 1
    talks = json.loads(CliRunner().invoke(cli, ["talks", "--json", "--db", db]).stdout)
    assert {t["source"] for t in talks} == {url}
    assert {t["title"] for t in talks} >= {"Terraform のドリフトを毎朝検知する"}

    web.add("/notes/kelp-infra-3", Page(KELP.replace(
        "Kubernetes のノードを 10 分で入れ替える".encode(), "ノードを安全に入れ替える".encode()),
        content_type="text/markdown"))
    code, out, _ = _import(db, url + "#again", "--json")  # the same page, another spelling
    assert code == 0 and json.loads(out)["imported"] == 1
    titles = {t["title"] for t in json.loads(
        CliRunner().invoke(cli, ["talks", "--json", "--db", db]).stdout)}
    assert "ノードを安全に入れ替える" in titles
    assert "Kubernetes のノードを 10 分で入れ替える" not in titles and len(titles) == 2

    forgot = CliRunner().invoke(cli, ["forget", url, "--json", "--db", db])
    assert forgot.exit_code == 0 and json.loads(forgot.stdout)["forgotten"] == [url]


def test_cli_import_url_dry_run_previews_and_stores_nothing(web: PageServer, tmp_path: Path
                                                            ) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    url = web.url("/blog/harbor-rust-7")
    code, out, _ = _import(db, url, web.url("/pdf"), "--dry-run", "--json")
    assert code == 1
    summary = json.loads(out)
    [report] = summary["reports"]
    assert report["path"] == url and report["event"] == {"name": "Harbor Rust Meetup #7",
                                                        "date": "2026-10-17"}
    assert [t["speakers"] for t in report["talks"]] == [["潮見 航"], ["浜口 みなと"], ["岬 玲奈"]]
    assert "人気の記事" not in out and "ログイン" not in out  # the site's chrome is not read
    assert summary["rejected"][0]["path"] == web.url("/pdf")
    assert "application/pdf" in summary["rejected"][0]["error"]
    assert CliRunner().invoke(cli, ["talks", "--json", "--db", db]).stdout.strip() == "[]"
    code, out, _ = _import(db, url, "--dry-run")
    assert code == 0 and "所有権で読み解く非同期ランタイム — 潮見 航 (Kaiun Systems)" in out


@pytest.mark.parametrize(("path", "page", "error"), [
    ("/missing", None, "404"),
    ("/private", Page(b"<html>no</html>", status=403), "needs a login"),
    ("/empty", Page(b"<html><body><p>hello</p></body></html>"), "no talk found"),
    ("/login", Page(b"<html><body><form><input name=u><input type='password' name=p>"
                    b"</form></body></html>"), "asks for a login"),
])
def test_cli_import_url_bad_pages_are_rejected_with_one_line(
        web: PageServer, tmp_path: Path, path: str, page: Page | None, error: str) -> None:
    if page is not None:
        web.add(path, page)
    code, out, err = _import(f"sqlite:///{tmp_path / 's.db'}", web.url(path))
    assert code == 1 and error in err and len(err.strip().splitlines()) == 1
    assert "0 imported" in out


def test_cli_import_nonexistent_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "nope.md"),
                                      "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 2


def test_import_report_same_bytes_as_a_file_stay_two_reports(
        any_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """A page with the bytes of a stored file is not that file "moved", nor the reverse."""
    sessions = any_sessions
    (tmp_path / "kelp.md").write_bytes(KELP)
    assert import_paths(sessions, [tmp_path]).imported == 1
    shared = file_report(team="T1", file_id="F1", name="kelp.md", data=KELP)
    result = import_report(sessions, shared.data, shared.parsed, ident=shared.ident,
                           given=shared.given)
    assert result.imported == 1
    (tmp_path / "kelp.md").unlink()
    other = tmp_path / "sub"
    other.mkdir()
    (other / "kelp2.md").write_bytes(KELP)
    import_paths(sessions, [other])
    with sessions() as session:
        sources = set(session.scalars(select(Report.source)))
    assert "slack-file:T1/F1" in sources  # the file that moved took its own report only
    assert forget_paths(sessions, ["slack-file:T1/F1"]).forgotten == ["kelp.md"]
    with sessions() as session:
        assert len(list_talks(session)) == 2


def test_import_report_keeps_the_current_version_and_the_one_it_replaced(
        any_sessions: sessionmaker[Session]) -> None:
    """Undo of a replacing import needs the version it replaced: kept, two at most, per
    identity; forgetting the report forgets them."""
    sessions = any_sessions
    digests = []
    for n in range(3):
        data = KELP + f"\n## 追記 {n}\nby 誰か\n\n- メモ\n".encode()
        shared = file_report(team="T1", file_id="F1", name="kelp.md", data=data)
        assert import_report(sessions, shared.data, shared.parsed, ident=shared.ident,
                             given=shared.given, keep=(shared.name, shared.text)).imported == 1
        digests.append(fingerprint(shared.data))
    with sessions() as session:
        kept = session.scalars(select(RemoteVersion.content_hash)).all()
    assert sorted(kept) == sorted(digests[1:])
    state, previous = replaced_version(sessions, "slack-file:T1/F1", digests[2])
    assert state == "current" and previous is not None and previous.digest == digests[1]
    assert "追記 1" in previous.text
    assert replaced_version(sessions, "slack-file:T1/F1", digests[1]) == ("changed", None)
    assert forget_paths(sessions, ["slack-file:T1/F1"]).forgotten
    with sessions() as session:
        assert session.scalars(select(RemoteVersion)).all() == []
    assert replaced_version(sessions, "slack-file:T1/F1", digests[2]) == ("gone", None)
