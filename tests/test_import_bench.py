"""A small run of benchmarks/import_bench.py's generator and import, so the benchmark cannot
silently rot: every generated file imports, each talk once, into the events it names."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy.orm import Session, sessionmaker

from store.importer import import_paths, read_bytes, read_report

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "import_bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_bench", module)
    spec.loader.exec_module(module)
    return module


def test_generate_is_read_as_written(tmp_path: Path) -> None:
    bench = _bench()
    expected = bench.generate(tmp_path / "reports", 60)
    assert expected.talks == 60 and 30 <= expected.files < 60
    assert bench.generate(tmp_path / "again", 60).bytes == expected.bytes  # deterministic
    suffixes = {Path(p).suffix for p in expected.reports}
    assert suffixes == {".md", ".txt"}
    for path, (name, date, titles) in expected.reports.items():
        parsed = read_report(read_bytes(path), path)
        assert (parsed.event.name, parsed.event.date) == (name, date), path
        assert [t.title for t in parsed.talks] == titles, path
        assert all(t.speakers for t in parsed.talks), path


def test_import_generated_folder(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    bench = _bench()
    expected = bench.generate(tmp_path / "reports", 60)
    first = import_paths(sessions, [tmp_path / "reports"])
    assert first.rejected == []
    assert (first.files, first.imported, first.talks) == (expected.files, expected.files, 60)
    assert first.events == expected.events < expected.files  # files of one event merged
    again = import_paths(sessions, [tmp_path / "reports"])
    assert (again.imported, again.unchanged, again.talks) == (0, expected.files, 60)
