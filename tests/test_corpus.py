"""The parser on real reports it was not written for: ../shared/corpus scored against its gold.

Each folder must keep the targets (recall and precision 0.90, speakers 0.85, organisations
0.70, events 0.90, dates 0.80); a change that loses ground on either folder fails here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from store.decoding import decode_report
from store.errors import ReportError
from store.reports import parse_report

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# The targets per folder; the parser reaches them on both (see parse_corpus.py).
TARGETS = {"recall": 0.90, "precision": 0.90, "speakers": 0.85, "orgs": 0.70, "events": 0.90,
           "dates": 0.80}
FLOORS: dict[str, dict[str, float]] = {"ja": TARGETS, "en": TARGETS}


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_score", CORPUS / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _talks(folder: Path) -> list[dict[str, Any]]:
    """What `talks --json` would give after importing the folder, without a store."""
    out: list[dict[str, Any]] = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".md", ".markdown", ".txt", ".html") or path.stem == "SOURCES":
            continue
        try:
            report = parse_report(decode_report(path.read_bytes()), source=str(path))
        except ReportError:
            continue
        ev = report.event
        event = {"id": 0, "name": ev.name, "date": ev.date.isoformat() if ev.date else None}
        out.extend({"title": t.title, "speakers": t.speakers, "handles": t.handles,
                    "affiliations": t.affiliations, "event": event, "source": str(path)}
                   for t in report.talks)
    return out


@pytest.mark.parametrize("folder", sorted(FLOORS))
def test_parse_report_corpus_folder_holds_its_floors(folder: str, tmp_path: Path) -> None:
    if not (CORPUS / folder).is_dir():
        pytest.skip(f"the corpus is not beside the repository ({CORPUS / folder})")
    talks_json = tmp_path / "talks.json"
    talks_json.write_text(json.dumps(_talks(CORPUS / folder), ensure_ascii=False))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _scorer().main(["score.py", str(talks_json), str(CORPUS / folder), "--json"])
    summary = json.loads(out.getvalue())["summary"]
    low = {k: round(summary[k], 3) for k, floor in FLOORS[folder].items() if summary[k] < floor}
    assert not low, f"{folder}: below the floor: {low} (floors {FLOORS[folder]})"
