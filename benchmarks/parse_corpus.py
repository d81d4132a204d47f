"""Import the seed reports and both corpus folders, then print the corpus scorer's figures.

usage: python benchmarks/parse_corpus.py [--shared ../shared] [--verbose] [--json]

Each folder is imported into its own fresh SQLite store through the real importer, its talks
are read back in the `talks --json` shape, and `../shared/corpus/score.py` scores them against
the gold annotations. The seeds have no gold file for the scorer: their line shows what was
found (reports, talks, talks with speakers, dated events).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.db import ensure_schema, make_engine, make_sessionmaker  # noqa: E402
from store.importer import import_paths  # noqa: E402
from store.queries import list_talks, talk_dict  # noqa: E402


def load_scorer(shared: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_score", shared / "corpus" / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract(folder: Path) -> tuple[list[dict[str, Any]], float, int]:
    """The talks a fresh store holds after importing `folder`; seconds taken; files rejected."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/corpus.db")
        ensure_schema(engine)
        sessions = make_sessionmaker(engine)
        start = time.perf_counter()
        result = import_paths(sessions, [str(folder)])
        seconds = time.perf_counter() - start
        with sessions() as session:
            talks = [talk_dict(t) for t in list_talks(session)]
        engine.dispose()
    return talks, seconds, len(result.rejected)


def score_folder(scorer: ModuleType, talks: list[dict[str, Any]], folder: Path,
                 verbose: bool) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(talks, fh, ensure_ascii=False)
    out = io.StringIO()
    args = ["score.py", fh.name, str(folder), "--json"]
    with contextlib.redirect_stdout(out):
        scorer.main(args)
    Path(fh.name).unlink()
    data: dict[str, Any] = json.loads(out.getvalue())
    if verbose:
        out = io.StringIO()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(talks, fh, ensure_ascii=False)
        with contextlib.redirect_stdout(out):
            scorer.main(["score.py", fh.name, str(folder), "--verbose"])
        Path(fh.name).unlink()
        print(out.getvalue())
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", choices=["ja", "en", "seeds"], action="append")
    args = parser.parse_args(argv)
    scorer = load_scorer(args.shared)
    figures: dict[str, Any] = {}
    for name in args.only or ["seeds", "ja", "en"]:
        folder = args.shared / "seeds" if name == "seeds" else args.shared / "corpus" / name
        talks, seconds, rejected = extract(folder)
        if name == "seeds":
            reports = {t["source"] for t in talks}
            figures[name] = {
                "reports": len(reports), "talks": len(talks), "rejected": rejected,
                "with_speakers": sum(1 for t in talks if t["speakers"] or t["handles"]),
                "dated_reports": len({t["source"] for t in talks if t["event"]["date"]}),
                "seconds": round(seconds, 2),
            }
        else:
            summary = score_folder(scorer, talks, folder, args.verbose)["summary"]
            figures[name] = {**{k: round(v, 3) for k, v in summary.items()},
                             "talks": len(talks), "rejected": rejected,
                             "seconds": round(seconds, 2)}
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    for name, f in figures.items():
        if name == "seeds":
            print(f"{name:6} reports {f['reports']} talks {f['talks']} with speakers "
                  f"{f['with_speakers']} dated reports {f['dated_reports']} rejected "
                  f"{f['rejected']} ({f['seconds']} s)")
        else:
            print(f"{name:6} recall {f['recall']:.2f} precision {f['precision']:.2f} speakers "
                  f"{f['speakers']:.2f} orgs {f['orgs']:.2f} events {f['events']:.2f} dates "
                  f"{f['dates']:.2f}  talks {f['talks']} rejected {f['rejected']} "
                  f"({f['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
