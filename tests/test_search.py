"""Tests of store.search: index kept in step, typos, short queries, synonyms, names, safety."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, event, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

import store.search as search_module
from store.db import downgrade, make_engine, make_sessionmaker, upgrade
from store.errors import GlossaryError
from store.importer import import_paths
from store.models import Event, Talk
from store.search import (
    Glossary,
    load_glossary,
    rebuild_index,
    related_talks,
    search_docs,
    search_speaker,
    search_talks,
    snippet_for,
    suggest,
)
from store.text import fold

REPORT = """---
event: "Search Study #{n}"
date: 2024-05-0{n}
---

## {title}
by 山田 花子 (@hanako_y)

- {note}
"""



def _titles(sessions: sessionmaker[Session], query: str, limit: int = 5) -> list[str]:
    with sessions() as s:
        return [h.talk.title for h in search_talks(s, query, limit=limit).hits]


def _text_of(talk: Talk) -> str:
    return fold(" ".join([talk.title, talk.notes, talk.summary, *talk.speakers, *talk.handles]))


# ------------------------------------------------------------------ typos, short, synonyms


@pytest.mark.parametrize(("typo", "word"), [
    ("kubernets", "kubernetes"), ("promethus", "prometheus"), ("vualt", "vault"),
    ("telepresense", "telepresence"), ("istoi", "istio"), ("helmfle", "helmfile"),
])
def test_typos_find_the_intended_word(seeded: sessionmaker[Session], typo: str,
                                      word: str) -> None:
    with seeded() as s:
        hits = search_talks(s, typo).hits
        assert hits, typo
        assert word in _text_of(hits[0].talk)


def test_exact_word_beats_its_typo_correction(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        exact = search_talks(s, "prometheus").hits[0]
        typo = search_talks(s, "promethus").hits[0]
    assert exact.talk.id == typo.talk.id and exact.score > typo.score


@pytest.mark.parametrize("query", ["CI", "DB", "k8", "認証", "監視", "猫", "5G", "LB"])
def test_short_queries_find_what_contains_them(seeded: sessionmaker[Session], query: str) -> None:
    with seeded() as s:
        result = search_talks(s, query)
        assert result.hits, query
        for hit in result.hits:
            text_ = _text_of(hit.talk)
            assert fold(query) in text_ or hit.score < result.hits[0].score, query


def test_short_query_prefix_ranks_exact_first(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        hits = search_talks(s, "k8").hits
    assert "k8s" in hits[0].talk.title


@pytest.mark.parametrize(("query", "expected"), [
    ("k8s", "Kubernetes"), ("authentication", "認証"), ("サービスメッシュ", "Service Mesh"),
    ("database", "データベース"), ("オープンソース", "open source"),
])
def test_glossary_synonyms_cross_languages(seeded: sessionmaker[Session], query: str,
                                           expected: str) -> None:
    assert any(expected.casefold() in t.casefold() for t in _titles(seeded, query))


def test_glossary_path_is_injectable(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text("synonyms:\n  - [zebrafish, telepresence]\n", encoding="utf-8")
    custom = load_glossary(path)
    with seeded() as s:
        assert not search_talks(s, "zebrafish", glossary=Glossary.from_sets([])).hits
        hits = search_talks(s, "zebrafish", glossary=custom).hits
    assert "Telepresence" in hits[0].talk.title


def test_working_directory_glossary_wins(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    """A team's own content/glossary.yaml (where `meetup-bot import` reads content/) is used."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "glossary.yaml").write_text(
        "synonyms:\n  - [zebrafish, telepresence]\n", encoding="utf-8")
    with seeded() as s:  # the tests run in tmp_path
        hits = search_talks(s, "zebrafish").hits
    assert hits and "Telepresence" in hits[0].talk.title


def test_bundled_glossary_loads() -> None:
    glossary = load_glossary()
    assert len(glossary.sets) >= 40
    assert ("k8s",) in glossary.phrases and ("認証",) in glossary.phrases


@pytest.mark.parametrize(("text", "message"), [
    (None, "cannot read the glossary"),
    ("synonyms: [[a, b]\n", "not valid YAML (line"),
    ("- [a, b]\n", "must hold 'synonyms:'"),
    ("synonyms: [a, b]\n", "must hold 'synonyms:'"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_load_glossary_named_path_that_is_no_glossary_raises(
        tmp_path: Path, text: str | bytes | None, message: str) -> None:
    path = tmp_path / "glossary.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(GlossaryError, match=re.escape(message)) as info:
        load_glossary(path)
    assert str(path) in str(info.value)


def test_load_glossary_keeps_the_last_good_copy_of_a_broken_edit(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text("synonyms:\n  - [zebrafish, telepresence]\n", encoding="utf-8")
    good = load_glossary(path)
    path.write_text("synonyms: [[\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert load_glossary(path) is good
    assert "searching with the copy read before" in caplog.text
    caplog.clear()
    assert load_glossary(path) is good  # warned once per change, not per search
    assert caplog.text == ""


def test_load_glossary_default_missing_is_logged_not_fatal(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(search_module, "DEFAULT_GLOSSARY", tmp_path / "gone" / "glossary.yaml")
    assert load_glossary().sets == ()
    assert "searching without synonyms" in caplog.text


def test_vocabulary_follows_a_changed_glossary(seeded: sessionmaker[Session]) -> None:
    """Typo targets include glossary words; a glossary edited while serving brings its own."""
    plain = Glossary.from_sets([])
    grown = Glossary.from_sets([["zanzibarite", "telepresence"]])
    with seeded() as s:
        assert not search_talks(s, "zanzibarit", glossary=plain).hits
        hits = search_talks(s, "zanzibarit", glossary=grown).hits
    assert hits and "Telepresence" in hits[0].talk.title


def test_japanese_sentence_query_ignores_particles(seeded: sessionmaker[Session]) -> None:
    assert "データベース運用" in _titles(seeded, "DBをk8sで運用するには")[0]
    assert "セキュリティ" in _titles(seeded, "Kubernetesのセキュリティについて知りたい")[0]


def test_english_stopwords_are_optional(seeded: sessionmaker[Session]) -> None:
    assert "Debugging Applications" in _titles(seeded, "how to debug pods in kubernetes")[0]


def test_no_talk_holds_every_word_falls_back_to_most_words(
        seeded: sessionmaker[Session]) -> None:
    assert "Prometheus" in _titles(seeded, "prometheus qwxzv")[0]


# ------------------------------------------------------------------ answer parts


def test_hits_carry_snippet_with_highlights_of_the_match(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        result = search_talks(s, "サービスメッシュ")
    for hit in result.hits:
        assert len(hit.snippet) <= 205
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(hit.snippet)
            assert fold(hit.snippet[start:end]) in ("さびすめっしゅ", "service mesh")
    assert any(h.highlights for h in result.hits)


def test_talks_are_usable_after_the_session_closes(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        hit = search_talks(s, "prometheus").hits[0]
    assert hit.talk.sources[0].report.shown and hit.talk.event.name


def test_snippet_for_long_text_centres_on_matches() -> None:
    import re

    long = "前置き。" * 100 + "ここで Prometheus を使う。" + "後書き。" * 100
    snippet, spans = snippet_for(long, re.compile("prometheus"))
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) <= 202
    assert [snippet[a:b] for a, b in spans] == ["Prometheus"]
    short, spans = snippet_for("- a\n- Prometheus\n", re.compile("prometheus"))
    assert short == "- a / Prometheus" and [short[a:b] for a, b in spans] == ["Prometheus"]


def test_paging_is_consistent(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        whole = search_talks(s, "kubernetes", limit=20)
        pages = [search_talks(s, "kubernetes", limit=5, offset=o) for o in (0, 5, 10, 15)]
    assert whole.total >= 20 and all(p.total == whole.total for p in pages)
    assert [h.talk.id for p in pages for h in p.hits] == [h.talk.id for h in whole.hits]
    scores = [h.score for h in whole.hits]
    assert scores == sorted(scores, reverse=True)


def test_ties_go_to_the_newer_event(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        hits = search_talks(s, "Ian Lewis").hits
    tied = [h for h in hits if h.score == hits[0].score]
    dates = [h.talk.event.date.toordinal() if h.talk.event.date else 0 for h in tied]
    assert len(tied) >= 2 and dates == sorted(dates, reverse=True)


def test_nothing_found_offers_close_spellings(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        result = search_talks(s, "Telepresxnzeqq")
        assert result.hits == [] and result.total == 0
        assert any("telepresence" in fold(x) for x in result.suggestions)
        assert "Tim Hockin" in suggest(s, "Hockinn Timm")


# ------------------------------------------------------------------ speakers, related talks


@pytest.mark.parametrize(("name", "speaker"), [
    ("Ian Lewis", "Ian Lewis"), ("ian lewis", "Ian Lewis"), ("hockn", "Tim Hockin"),
    ("@inductor", "@inductor"), ("Yoshise Junichi", "Junichi Yoshise"), ("kusumi", "Takashi Kusumi"),
])
def test_search_speaker_fuzzy(seeded: sessionmaker[Session], name: str, speaker: str) -> None:
    with seeded() as s:
        result = search_speaker(s, name)
    assert result.hits and speaker in result.hits[0].talk.speakers
    assert result.total >= len(result.hits)


def test_search_speaker_matches_affiliations_and_handles(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        mercari = search_speaker(s, "Mercari")
        lewis = search_speaker(s, "Lewis", limit=10)
        nobody = search_speaker(s, "Zyxwvut Qqq")
    assert "Multi-Tenancy" in mercari.hits[0].talk.title
    assert {"@IanMLewis"} <= {h for hit in lewis.hits for h in hit.talk.handles}
    assert nobody.hits == [] and nobody.total == 0


@pytest.mark.parametrize("name", ["Maria", "Lewis Carroll", "Kubernetes", "Nobody Here",
                                  "山田 太郎"])
def test_search_speaker_suggests_nobody_for_a_far_name(seeded: sessionmaker[Session],
                                                       name: str) -> None:
    """Sharing a word or a few letters with someone is not being close to their name."""
    with seeded() as s:
        result = search_speaker(s, name)
    assert result.hits == [] and result.suggestions == []


@pytest.mark.parametrize(("name", "suggested"), [
    ("Yan Luis", "Ian Lewis"), ("Ian Lwis Smith", "Ian Lewis"), ("Tim Hakkinen", "Tim Hockin"),
])
def test_search_speaker_suggests_the_name_a_typo_meant(seeded: sessionmaker[Session],
                                                       name: str, suggested: str) -> None:
    with seeded() as s:
        result = search_speaker(s, name)
    assert result.hits == [] and result.suggestions[:1] == [suggested]


def test_related_talks_come_from_other_events(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        talk = search_talks(s, "Istio Service Mesh").hits[0].talk
        related = related_talks(s, talk, limit=3)
        same_event = related_talks(s, talk, limit=3, other_events=False)
    assert related and all(h.talk.event.id != talk.event.id for h in related)
    assert "Network Service Mesh" in related[0].talk.title
    assert all(h.talk.id != talk.id for h in same_event)


# ------------------------------------------------------------------ safety

HOSTILE = [
    '"', '""', "*", "NEAR(a b)", "a AND b OR NOT c", "title: kubernetes", "{title}: x", "(((",
    "'; DROP TABLE talks; --", "%_\\", "x:*", "'a' & 'b'", "!x <-> y", "^kubernetes", "\x00",
    "nul\x00in\x00the\x00middle", "😀🔥👍🏽", "\ud800 lone surrogate", "\u200b\u200d", "ー・ー",
    "a" * 4000, "認証" * 2000, "kubernetes " * 400, "k8s\t\n\r" * 100, "-", "+", "@", "#",
    "ａｎｄ ｏｒ ｎｏｔ", "k8s*", "k*s", "AND", "OR", "NOT", "NEAR", "c++ c# f#",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_plain_text(seeded: sessionmaker[Session], query: str) -> None:
    with seeded() as s:
        started = time.perf_counter()
        result = search_talks(s, query, limit=5)
        search_speaker(s, query)
        elapsed = time.perf_counter() - started
        assert s.scalar(select(func.count(Talk.id))) == 57  # nothing was executed as SQL
    assert elapsed < 1.0
    assert result.total >= len(result.hits) and len(result.hits) <= 5


def test_limit_and_offset_are_clamped(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        assert search_talks(s, "kubernetes", limit=-3).hits == []
        assert len(search_talks(s, "kubernetes", limit=10_000).hits) <= 100
        assert search_talks(s, "kubernetes", offset=-5).hits
        assert search_talks(s, "kubernetes", offset=10_000).hits == []


# ------------------------------------------------------------------ the index in step


def _index_ok(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        talks = s.scalar(select(func.count(Talk.id)))
        docs = s.scalar(select(func.count()).select_from(search_docs))
        orphans = s.scalar(select(func.count()).select_from(search_docs)
                           .where(~search_docs.c.talk_id.in_(select(Talk.id))))
        assert (docs, orphans) == (talks, 0)
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("INSERT INTO search_fts(search_fts, rank) "
                           "VALUES ('integrity-check', 1)"))


def test_reimport_replaces_index_rows(any_sessions: sessionmaker[Session],
                                      tmp_path: Path) -> None:
    f = tmp_path / "r.md"
    f.write_text(REPORT.format(n=1, title="Zanzibar authorization", note="relation tuples"),
                 encoding="utf-8")
    import_paths(any_sessions, [f])
    assert _titles(any_sessions, "zanzibar") == ["Zanzibar authorization"]
    f.write_text(REPORT.format(n=2, title="Cedar policies", note="hanako"), encoding="utf-8")
    import_paths(any_sessions, [f])
    _index_ok(any_sessions)
    assert _titles(any_sessions, "zanzibar") == []
    assert _titles(any_sessions, "cedar") == ["Cedar policies"]
    # the vocabulary of typo corrections follows the store
    assert _titles(any_sessions, "cedr policies") == ["Cedar policies"]
    assert _titles(any_sessions, "山田 花子") == ["Cedar policies"]
    with any_sessions() as s:
        assert search_speaker(s, "hanako_y").hits[0].talk.title == "Cedar policies"


def test_deleting_an_event_drops_its_index_rows(any_sessions: sessionmaker[Session],
                                                tmp_path: Path) -> None:
    for n, title in ((1, "Zanzibar authorization"), (2, "Cedar policies")):
        (tmp_path / f"r{n}.md").write_text(REPORT.format(n=n, title=title, note="memo"),
                                           encoding="utf-8")
    import_paths(any_sessions, [tmp_path])
    with any_sessions() as s, s.begin():
        s.delete(s.scalar(select(Event).where(Event.name == "Search Study #1")))
    _index_ok(any_sessions)
    assert _titles(any_sessions, "zanzibar") == []
    assert _titles(any_sessions, "cedar") == ["Cedar policies"]


def test_rebuild_index_indexes_everything(any_sessions: sessionmaker[Session],
                                          seeds_dir: Path) -> None:
    import_paths(any_sessions, [seeds_dir])
    before = _titles(any_sessions, "promethus")
    with any_sessions() as s, s.begin():
        s.execute(search_docs.delete())
    assert _titles(any_sessions, "prometheus") == []
    with any_sessions() as s, s.begin():
        assert rebuild_index(s) == 57
    _index_ok(any_sessions)
    assert _titles(any_sessions, "promethus") == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_indexes_an_existing_store(tmp_path: Path, backend: str,
                                             request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite"
           else request.getfixturevalue("pg_url"))
    engine = make_engine(url)
    upgrade(engine, "0001")
    sessions = make_sessionmaker(engine)
    import datetime as dt

    with sessions() as s, s.begin():
        # The schema of 0001 is older than the models: write its rows in SQL.
        now = dt.datetime.now(dt.UTC)
        s.execute(text("INSERT INTO reports (id, source, content_hash, imported_at) "
                       "VALUES (1, 'old.md', 'x', :now)"), {"now": now})
        s.execute(text("INSERT INTO events (id, report_id, name, date, tags) "
                       "VALUES (1, 1, 'Old Meetup', '2017-01-01', '[]')"))
        s.execute(text("INSERT INTO talks (id, event_id, position, title, speakers, handles, "
                       "affiliations, notes, summary, has_notes, tags) VALUES (1, 1, 0, "
                       "'Legacy etcd backups', '[\"Ann\"]', '[]', '[]', '', '', :f, '[]')"),
                  {"f": False})
    upgrade(engine)
    assert _titles(sessions, "etcd backup") == ["Legacy etcd backups"]
    downgrade(engine, "0001")
    names = set(inspect(engine).get_table_names())
    assert "talks" in names and not any(n.startswith("search_") for n in names)
    engine.dispose()


def test_cli_search_json_and_nothing_found(seeds_dir: Path, tmp_path: Path,
                                           engine: Engine) -> None:
    from bot.cli import cli

    db = str(engine.url)
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(seeds_dir), "--db", db]).exit_code == 0
    out = runner.invoke(cli, ["search", "promethus", "--json", "--limit", "2", "--db", db])
    assert out.exit_code == 0, out.output
    talks = json.loads(out.output)
    # the answer set holds the talks that answer the query, not two because two were asked
    assert 1 <= len(talks) <= 2 and "Prometheus" in talks[0]["title"]
    assert [t["score"] for t in talks] == sorted((t["score"] for t in talks), reverse=True)
    assert {"id", "event", "source", "score"} <= set(talks[0])
    human = runner.invoke(cli, ["search", "Ian", "Lewis", "--db", db])
    assert human.exit_code == 0 and "Ian Lewis" in human.output
    none = runner.invoke(cli, ["search", "Telepresxnzeqq", "--db", db])
    assert none.exit_code == 0 and "Did you mean" in none.output
    empty = runner.invoke(cli, ["search", "Telepresxnzeqq", "--json", "--db", db])
    assert empty.exit_code == 0 and json.loads(empty.output) == []


def test_query_intent_on_the_seeds(seeded: sessionmaker[Session]) -> None:
    """Dates, abbreviations and recency filter or order by event; noise finds nothing."""
    with seeded() as s:
        day = search_talks(s, "2018-03-08", limit=50)
        assert day.hits and {h.talk.event.name for h in day.hits} == {
            "Kubernetes Meetup Tokyo #10"} and day.total == len(day.hits)
        kmt = search_talks(s, "KMT20", limit=50)
        assert {h.talk.event.name for h in kmt.hits} == {"Kubernetes Meetup Tokyo #20"}
        latest = search_talks(s, "latest talks", limit=50)
        dates = [h.talk.event.date for h in latest.hits]
        assert dates and dates == sorted(dates, reverse=True)
        newest = max(d for d in dates if d)
        assert dates[0] == newest
        year = search_talks(s, "2019年 prometheus")
        assert year.hits and all(h.talk.event.date.year == 2019 for h in year.hits)
        for noise in ("a", "<script>alert(1)</script>", "'; DROP TABLE talks; --", "the"):
            assert search_talks(s, noise).total == 0, noise


def test_postgresql_total_past_the_count_cap_is_an_estimate(pg_engine: Engine, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Counting every talk that holds a common word is PostgreSQL's slowest statement: past
    the cap the total is the planner's estimate, never less than what was counted."""
    for n in range(3):
        talks = "\n".join(f"## etcd tuning part {n}-{k}\nby Ann Lee\n\n- etcd compaction {k}\n"
                          for k in range(25))
        (tmp_path / f"r{n}.md").write_text(
            f"---\nevent: Etcd Night #{n + 1}\ndate: 2024-0{n + 1}-10\n---\n\n{talks}",
            encoding="utf-8")
    sessions = make_sessionmaker(pg_engine)
    import_paths(sessions, [tmp_path])
    with sessions() as s:
        exact = search_talks(s, "etcd compaction").total
    assert exact == 75
    monkeypatch.setattr(search_module, "_PG_COUNT_CAP", 10)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(pg_engine, "before_cursor_execute", seen)
    try:
        with sessions() as s:
            s.execute(text("ANALYZE search_docs"))
            result = search_talks(s, "etcd compaction")
    finally:
        event.remove(pg_engine, "before_cursor_execute", seen)
    assert result.hits and result.total >= 10
    assert any(st.startswith("EXPLAIN") for st in statements)  # the estimate was asked for
