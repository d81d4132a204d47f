"""Pathological report shapes: each one imports or is rejected with one line, on both databases,
without a hang or a crash (the budget in time and memory is measured by benchmarks/parse_bench.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store.errors import ReportError
from store.importer import import_paths
from store.models import Talk
from store.reports import parse_report
from tests.shapes import SHAPES

SIZE = 1_000_000  # the benchmark runs them at 5 MB; 1 MB keeps the suite fast


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_parse_report_pathological_shape_parses_or_rejects(shape: str) -> None:
    source, text = SHAPES[shape](SIZE)
    try:
        report = parse_report(text, source=source)
    except ReportError as exc:
        assert exc.reason and "\n" not in exc.reason
        return
    assert report.talks and all(t.title and len(t.title) <= 1000 for t in report.talks)


def test_import_paths_pathological_batch_keeps_good_file(any_sessions: sessionmaker[Session],
                                                         tmp_path: Path) -> None:
    for shape, build in SHAPES.items():
        source, text = build(50_000)
        (tmp_path / f"{shape.replace(' ', '-')}-{source}").write_text(text, encoding="utf-8")
    (tmp_path / "good.md").write_text("## A talk\nby Jane Doe\n\n- a point\n", encoding="utf-8")
    result = import_paths(any_sessions, [tmp_path])
    assert result.files == len(SHAPES) + 1
    assert result.imported + len(result.rejected) == result.files
    assert all("\n" not in r.error for r in result.rejected)
    with any_sessions() as s:
        titles = set(s.scalars(select(Talk.title)))
        assert "A talk" in titles
        assert (s.scalar(select(func.count(Talk.id))) or 0) == result.talks
