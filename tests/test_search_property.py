"""Property test: any text at all is a plain query on both databases and never raises."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from store.importer import import_paths
from store.search import search_speaker, search_talks

SYNTAX = ['"', "*", "NEAR(", ")", "(", "AND", "OR", "NOT", "title:", "{title}", ":", "^", "-",
          "+", "'", "&", "|", "!", "<->", ":*", "\\", ";", "--", "%", "_", "\x00", "😀", "ー",
          "・", "k8s", "認証", "監視", "kubernets", "サービスメッシュ", "Ian", " ", "\n"]
QUERIES = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=60),  # surrogates too
    st.lists(st.sampled_from(SYNTAX), max_size=25).map("".join),
    st.lists(st.sampled_from(SYNTAX), max_size=25).map(" ".join),
)


def test_search_never_raises_on_any_text(any_sessions: sessionmaker[Session],
                                         seeds_dir: Path) -> None:
    assert not import_paths(any_sessions, [seeds_dir]).rejected

    @settings(max_examples=120, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(query=QUERIES, limit=st.integers(-2, 30), offset=st.integers(-2, 60))
    def check(query: str, limit: int, offset: int) -> None:
        with any_sessions() as session:
            result = search_talks(session, query, limit=limit, offset=offset)
            assert len(result.hits) <= max(limit, 0) and result.total >= 0
            scores = [h.score for h in result.hits]
            assert scores == sorted(scores, reverse=True)
            for hit in result.hits:
                assert all(0 <= a < b <= len(hit.snippet) for a, b in hit.highlights)
            speakers = search_speaker(session, query, limit=3)
            assert len(speakers.hits) <= 3

    check()
