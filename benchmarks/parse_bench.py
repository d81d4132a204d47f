"""Time and peak memory of parsing pathological report shapes.

usage: python benchmarks/parse_bench.py [--size BYTES]

Each shape (tests/shapes.py) is parsed once in a fresh child process, so the peak resident
memory it reports (ru_maxrss) belongs to that parse alone; the baseline is the same child
parsing a plain 20-talk report, which shows the interpreter's own footprint. The budget per
shape is 2 s and 300 MB above the baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.shapes import SHAPES  # noqa: E402

CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
sys.path.insert(0, sys.argv[1])
from store.errors import ReportError
from store.reports import parse_report
from tests.shapes import SHAPES
name, size = sys.argv[2], int(sys.argv[3])
if name == "baseline":
    text = "".join(f"## Talk {k} by Speaker Name\n- point\n" for k in range(20)); source = "b.md"
else:
    source, text = SHAPES[name](size)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    talks = len(parse_report(text, source=source).talks); outcome = f"{talks} talks"
except ReportError as exc:
    outcome = "rejected: " + exc.reason[:40]
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "before_mb": before / 1024,
                  "bytes": len(text.encode()), "outcome": outcome}))
"""

BUDGET_S = 2.0
BUDGET_MB = 300.0


def run(name: str, size: int, timeout: float = 60.0) -> dict[str, object]:
    try:
        out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), name, str(size)],
                             capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "peak_mb": float("nan"), "bytes": size,
                "outcome": f"stopped after {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or "").strip().splitlines()[-1:] or ["?"]
        return {"seconds": float("nan"), "peak_mb": float("nan"), "bytes": size,
                "outcome": f"crashed: {last[0][:60]}"}
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5 * 1024 * 1024 - 1024)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    base = run("baseline", 0)
    base_mb = float(base["peak_mb"])  # type: ignore[arg-type]
    print(f"{'shape':24} {'bytes':>9} {'seconds':>8} {'extra MB':>9}  outcome")
    print(f"{'baseline (20 talks)':24} {base['bytes']:>9} {base['seconds']:>8.3f} "
          f"{0.0:>9.1f}  {base['outcome']}")
    worst = 0
    for name in SHAPES:
        r = run(name, args.size, args.timeout)
        extra = float(r["peak_mb"]) - base_mb  # type: ignore[arg-type]
        ok = float(r["seconds"]) <= BUDGET_S and extra <= BUDGET_MB  # type: ignore[arg-type]
        ok = ok and not str(r["outcome"]).startswith(("stopped", "crashed"))
        worst |= not ok
        print(f"{name:24} {r['bytes']:>9} {r['seconds']:>8.3f} {extra:>9.1f}  {r['outcome']}"
              f"{'' if ok else '  OVER BUDGET'}")
    return int(worst)


if __name__ == "__main__":
    raise SystemExit(main())
