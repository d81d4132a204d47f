"""`meetup-bot export`: the store as canonical Markdown that imports back to the same store."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.cli import cli
from store.db import make_engine, make_sessionmaker, upgrade
from store.export import MANIFEST, ExportError, export_store, file_names, render_event
from store.importer import import_paths
from store.models import Event, Talk
from store.reports import parse_report

from .conftest import CONTENT

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def _fresh(path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return make_sessionmaker(engine)


def _import(sessions: sessionmaker[Session], *paths: Path) -> None:
    result = import_paths(sessions, list(paths))
    assert not result.rejected, result.rejected


def _snapshot(sessions: sessionmaker[Session]) -> tuple[Counter[tuple[object, ...]], ...]:
    """Events and talks as multisets of their values (ids and sources left out)."""
    with sessions() as session:
        events = session.scalars(select(Event).options(selectinload(Event.talks))).all()
        ev = Counter((e.name, e.date, e.venue, e.url, tuple(e.tags)) for e in events)
        talks = Counter((e.name, e.date, t.title, tuple(t.speakers), tuple(t.handles),
                         tuple(t.affiliations), tuple(t.tags), t.has_notes, t.url,
                         t.session_code, t.notes, t.position)
                        for e in events for t in e.talks)
    return ev, talks


def _round_trip(source: sessionmaker[Session], dest: sessionmaker[Session], out: Path) -> None:
    result = export_store(source, out)
    _import(dest, out)
    before, after = _snapshot(source), _snapshot(dest)
    assert result.events == sum(before[0].values())
    assert result.talks == sum(before[1].values())
    assert after[0] == before[0]
    assert after[1] - before[1] == Counter() and before[1] - after[1] == Counter()


def test_export_store_seeds_and_content_round_trip(any_sessions: sessionmaker[Session],
                                                  seeds_dir: Path, tmp_path: Path) -> None:
    _import(any_sessions, seeds_dir, CONTENT)
    _round_trip(any_sessions, _fresh(tmp_path / "fresh.db"), tmp_path / "out")
    with any_sessions() as session:
        merged = [t for t in session.scalars(select(Talk)) if len(t.sources) > 1 and t.notes]
    assert merged, "the seeds and content/ describe the same events: some talks merge"
    text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.md"))
    assert all(t.notes.split("\n")[0] in text for t in merged)  # every source's part is kept


@pytest.mark.parametrize("language", ["ja", "en"])
def test_export_store_corpus_round_trip(any_sessions: sessionmaker[Session], language: str,
                                        tmp_path: Path) -> None:
    folder = CORPUS / language
    if not folder.is_dir():
        pytest.skip(f"the report corpus is not at {folder}")
    source = _fresh(tmp_path / "source.db")
    _import(source, folder)
    _round_trip(source, any_sessions, tmp_path / "out")


def _hostile_store(path: Path) -> sessionmaker[Session]:
    sessions = _fresh(path)
    long_title = "長い" * 400 + " ## not a heading #"
    with sessions.begin() as session:
        tricky = Event(name="- '#1': \"yes\" & *star* !tag | null", name_key="a",
                       date=dt.date(2020, 2, 29), venue="null", url="https://x.example/?a=1#b",
                       tags=["yes", "2019", "a, b", "#tag"])
        tricky.talks = [
            Talk(position=0, title="C# and F# ##", speakers=["Ann, Jr. (Dr)", "@bob"],
                 handles=["@bob", "carol"], affiliations=["@org", "Org (Japan)"],
                 notes="## Looks like a talk\n\\## escaped already\nby nobody\n  - indented",
                 has_notes=True, url="//slides.example/relative (1)", tags=["x, y", "\\z"]),
            Talk(position=1, title="[not a code] LT Keynote: title", session_code=None,
                 speakers=[], handles=[], affiliations=[], notes="", has_notes=False,
                 tags=[]),
            Talk(position=2, title="LT - leading dash | pipe: colon", session_code="LT",
                 speakers=["Tim Hockin", "Tim"], handles=[], affiliations=[],
                 notes="tags: not tags\nurl: not a url", has_notes=True, tags=[]),
            Talk(position=3, title=long_title, session_code="1B2-1", speakers=["山田 太郎さん"],
                 handles=[], affiliations=["株式会社X"], has_notes=True, tags=[],
                 notes="[/reports/a.md]\n- one part\n\n[/reports/b.md]\n- other part\n"
                       "https://speakerdeck.com/x/y"),
            Talk(position=4, title="\\backslash title", session_code="Keynote", speakers=[],
                 handles=["@only"], affiliations=[], notes="", has_notes=False, tags=[]),
        ]
        undated = Event(name="勉強会", name_key="b", date=None, tags=[])
        undated.talks = [Talk(position=0, title="まとめ", speakers=[], handles=[],
                              affiliations=[], notes="", has_notes=False, tags=[])]
        session.add_all([tricky, undated])
    return sessions


def test_export_store_escapes_what_would_be_misread(tmp_path: Path) -> None:
    source = _hostile_store(tmp_path / "hostile.db")
    _round_trip(source, _fresh(tmp_path / "fresh.db"), tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out").glob("*.md"))
    assert names[0].startswith("2020-02-29-") and names[1].startswith("undated-event-")


def test_export_store_twice_same_files_and_refuses_foreign_folder(tmp_path: Path,
                                                                   seeds_dir: Path) -> None:
    sessions = _fresh(tmp_path / "s.db")
    _import(sessions, seeds_dir)
    out = tmp_path / "out"
    first = export_store(sessions, out)
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    second = export_store(sessions, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files
    assert first.files == second.files and len(first.files) == 5 and MANIFEST in files
    (out / "stale.md").write_text("## mine\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"stale\.md"):
        export_store(sessions, out)
    assert (out / "stale.md").read_text(encoding="utf-8") == "## mine\n"


def test_export_store_removes_its_own_stale_files(tmp_path: Path) -> None:
    sessions = _hostile_store(tmp_path / "h.db")
    out = tmp_path / "out"
    export_store(sessions, out)
    with sessions.begin() as session:
        session.delete(session.scalars(select(Event).where(Event.name == "勉強会")).one())
    result = export_store(sessions, out)
    assert len(result.removed) == 1 and result.removed[0].startswith("undated-")
    assert sorted(p.name for p in out.glob("*.md")) == result.files


def test_file_names_unique_ascii() -> None:
    events = [Event(id=n, name=name, date=date) for n, (name, date) in enumerate([
        ("Kubernetes Meetup Tokyo #20", dt.date(2019, 6, 18)),
        ("Kubernetes Meetup Tokyo #20!", dt.date(2019, 6, 18)),
        ("関西Ruby会議", None), ("Café Ünïcode", None)], 1)]
    assert file_names(events) == ["2019-06-18-kubernetes-meetup-tokyo-20.md",
                                  "2019-06-18-kubernetes-meetup-tokyo-20-2.md",
                                  "undated-ruby.md", "undated-cafe-unicode.md"]
    assert file_names([Event(id=7, name="勉強会", date=None)]) == ["undated-event-7.md"]


_LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                max_size=30).map(str.strip).filter(bool)
_NOTES = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                          max_size=30), max_size=6).map("\n".join).map(lambda s: s.strip("\n"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_LINE, code=st.sampled_from([None, "LT", "Keynote", "1A1", "B5(S)", "2B1-1"]),
       speakers=st.lists(_LINE, max_size=3), handles=st.lists(_LINE, max_size=3),
       orgs=st.lists(_LINE, max_size=3), tags=st.lists(_LINE, max_size=3),
       url=st.none() | _LINE, notes=_NOTES)
def test_render_event_reads_back_exactly(title: str, code: str | None, speakers: list[str],
                                         handles: list[str], orgs: list[str], tags: list[str],
                                         url: str | None, notes: str) -> None:
    talk = Talk(title=title, session_code=code, speakers=speakers, handles=handles,
                affiliations=orgs, tags=tags, url=url, notes=notes,
                has_notes=bool(notes.strip()))
    event = Event(name="Meetup #1", date=dt.date(2024, 1, 2), tags=[], talks=[talk])
    got = parse_report(render_event(event), "x.md").talks
    assert len(got) == 1
    t = got[0]
    assert (t.title, t.session_code, t.speakers, t.handles, t.affiliations, t.tags, t.url,
            t.has_notes) == (title, code, speakers, handles, orgs, tags, url, talk.has_notes)
    assert t.notes == (notes if talk.has_notes else "")


def test_cli_export_summary_and_json(seeds_dir: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(seeds_dir), "--db", db]).exit_code == 0
    result = runner.invoke(cli, ["export", str(tmp_path / "out"), "--db", db])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"exported 5 events, 57 talks to {tmp_path / 'out'}"
    again = runner.invoke(cli, ["export", str(tmp_path / "out"), "--json", "--db", db])
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["events"] == 5 and data["talks"] == 57 and len(data["files"]) == 5
    (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    refused = runner.invoke(cli, ["export", str(tmp_path / "out"), "--db", db])
    assert refused.exit_code == 2 and "notes.txt" in refused.output
    assert "Traceback" not in refused.output


def test_export_store_refuses_manifest_pointing_elsewhere(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.md"
    victim.write_text("keep me", encoding="utf-8")
    (out / MANIFEST).write_text(json.dumps({"files": {"../victim.md": "0"}}), encoding="utf-8")
    with pytest.raises(ExportError, match="outside"):
        export_store(_hostile_store(tmp_path / "h.db"), out)
    assert victim.read_text(encoding="utf-8") == "keep me"
