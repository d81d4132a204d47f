"""Hostile report text: the parser answers with talks or a ReportError, never anything else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.errors import ReportError
from store.reports import parse_report

_PIECES = st.sampled_from([
    "## ", "# ", "### ", "---\n", "- ", "• ", "・", "  ", "\n", "\n\n", "by ", "(@x) ", "(Org) ",
    "[1A1] ", "LT ", "Day 1", "日時: 2019年6月18日", "```", "<html>", "<h2>", "|", "@handle",
    "タイトル", "Title", "氏", "による", "開催された", "に参加", "TBD", "aa", "image.png", "\u3000",
    "\t", "\r\n", "：", "。", "、", "https://example.com/x",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=60))
def test_parse_report_never_crashes(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        report = parse_report(text, source="fuzz.md")
    except ReportError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert report.event.name
    for talk in report.talks:
        assert talk.title
        assert talk.has_notes == bool(talk.notes)
        assert len(talk.summary) <= 310
