"""Import speed: a first import and an unchanged re-import against the parser's own rate.

usage: python benchmarks/import_bench.py [--talks 10000] [--dir DIR] [--db URL] [--check]

Writes a deterministic folder of synthetic reports (about 0.7 files a talk: most files one
talk, some two to four; about one event for five talks, so several files share an event and
merge; Markdown in the README's format, blog posts with a title and `「Title」 ― Name` headings,
English recaps with `Speaker:` lines, plain-text notes; Japanese and English; 1-5 KB a file;
every word made up from syllables), then in the same run:

  parse only    store.importer.read_report (decode + parse_report, what the importer calls
                for each file) over every file's bytes, read beforehand: the parser's rate;
  first import  store.importer.import_paths into an empty store (SQLite file in the folder's
                parent, or --db; a PostgreSQL store gets a schema of its own, dropped after);
  re-import     the same folder again, unchanged (best of three).

Targets (the issue): the first import at least half the parse-only rate, an unchanged
re-import at least 20x faster than the first. Exit status 0 whatever the figures, unless
--check is given: then 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from store import importer  # noqa: E402
from store.db import make_engine, make_sessionmaker, normalise_url, upgrade  # noqa: E402
from store.errors import ReportError  # noqa: E402
from store.importer import import_paths, read_bytes, read_report, scan_paths, source_name  # noqa: E402
from store.reports import ParsedReport  # noqa: E402

SEED = 20260311
FIRST_TARGET = 0.5  # first import / parse only
REIMPORT_TARGET = 20.0  # re-import / first import

# ----------------------------------------------------------------------------- words
# Every word is made up: syllables joined at random, so no text comes from a real report.

_EN_SYL = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["ion", "ex", "or", "an"]
_KANA = list("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロ"
             "ガギグゲゴザジズゼゾダデドバビブベボパピプペポ")
_KANJI = list("運用設計構築移行監視分散基盤開発検証導入改善課題解決管理自動性能障害対応信頼"
              "可観測権限認証冗長永続標準事例本番環境負荷試験")
_JA_GLUE = ["の", "を", "で", "が", "と", "について", "による", "から", "への"]
_JA_TAIL = ["。", "した。", "とのこと。", "が印象的だった。", "らしい。", "です。", "していた。"]
_EN_GLUE = ["the", "a", "of", "to", "and", "in", "for", "with", "on", "how", "we", "our", "is",
            "are", "was", "using", "from", "at", "by"]


class Words:
    """Made-up vocabularies, the same from the same seed."""

    def __init__(self, rng: random.Random) -> None:
        def en() -> str:
            return "".join(rng.choice(_EN_SYL) for _ in range(rng.randint(2, 4)))

        # The parser drops headings that start like programme items ("Pub", "Beer", "Lunch"),
        # even as the start of a longer word: no made-up word starts with "pub".
        self.en = sorted({w for w in (en() for _ in range(3000)) if not w.startswith("pub")})
        self.kata = sorted({"".join(rng.choice(_KANA) for _ in range(rng.randint(3, 5)))
                            for _ in range(800)})
        self.kanji = sorted({"".join(rng.sample(_KANJI, 2)) for _ in range(300)})
        first = sorted({en().capitalize() for _ in range(300)})
        last = sorted({en().capitalize() for _ in range(300)})
        self.people = sorted({f"{rng.choice(first)} {rng.choice(last)}" for _ in range(4000)})
        self.ja_people = sorted({rng.choice(self.kanji) + " " + rng.choice(self.kanji)
                                 for _ in range(1500)})
        self.orgs = sorted({en().capitalize() + rng.choice(["", " Inc.", " Labs", " Systems"])
                            for _ in range(400)}
                           | {"株式会社" + rng.choice(self.kata) for _ in range(200)})
        self.series = sorted({" ".join(en().capitalize() for _ in range(rng.randint(1, 2)))
                              + rng.choice([" Meetup", " Night", " Study", " Conference",
                                            " 勉強会", " Days"]) for _ in range(120)})

    def en_sentence(self, rng: random.Random) -> str:
        words = [rng.choice(self.en) if rng.random() < 0.6 else rng.choice(_EN_GLUE)
                 for _ in range(rng.randint(5, 14))]
        return " ".join(words).capitalize() + "."

    def ja_sentence(self, rng: random.Random) -> str:
        parts = []
        for _ in range(rng.randint(2, 4)):
            r = rng.random()
            word = (rng.choice(self.kanji) if r < 0.5 else rng.choice(self.kata) if r < 0.85
                    else rng.choice(self.en).capitalize())
            parts.append(word + rng.choice(_JA_GLUE))
        return "".join(parts) + rng.choice(self.kanji) + rng.choice(_JA_TAIL)

    def en_title(self, rng: random.Random) -> str:
        title = " ".join(rng.choice(self.en).capitalize() for _ in range(rng.randint(3, 5)))
        return title + rng.choice(["", "", " in Production", " at Scale", " Deep Dive"])

    def ja_title(self, rng: random.Random) -> str:
        title = rng.choice(self.kata) + "で" if rng.random() < 0.6 else ""
        title += rng.choice(self.kanji) + rng.choice(self.kanji) + rng.choice(self.kata)
        return title + rng.choice(["の話", "入門", "の実践", "を支える技術", "の現在", "への道"])


# ----------------------------------------------------------------------------- reports


@dataclass
class Talk:
    title: str
    speakers: list[str]
    handles: list[str]
    org: str | None
    ja: bool
    notes: list[str]


@dataclass
class Expected:
    files: int
    talks: int
    events: int  # distinct events the files name
    bytes: int
    # file -> (event name, date, talk titles), for checking what the parser read
    reports: dict[str, tuple[str, dt.date, list[str]]] = field(default_factory=dict)


def _notes(words: Words, rng: random.Random, ja: bool, size: int) -> list[str]:
    out: list[str] = []
    total = 0
    while total < size:
        line = (words.ja_sentence(rng) if (ja and rng.random() < 0.85) or
                (not ja and rng.random() < 0.1) else words.en_sentence(rng))
        out.append(line)
        total += len(line.encode())
    return out


def _talk(words: Words, rng: random.Random, size: int, used: set[str]) -> Talk:
    ja = rng.random() < 0.6
    while True:
        title = words.ja_title(rng) if ja and rng.random() < 0.7 else words.en_title(rng)
        if title.casefold() not in used:
            used.add(title.casefold())
            break
    n = rng.choice([1, 1, 1, 1, 2])
    pool = words.ja_people if ja and rng.random() < 0.4 else words.people
    speakers = rng.sample(pool, n)
    handles = ["@" + s.split()[0].lower() + "_" + s.split()[-1][:3].lower()
               for s in speakers if s.isascii() and rng.random() < 0.5][:1]
    org = rng.choice(words.orgs) if rng.random() < 0.7 else None
    return Talk(title, speakers, handles, org, ja, _notes(words, rng, ja, size))


def _by_line(t: Talk) -> str:
    people = []
    for i, s in enumerate(t.speakers):
        handle = f" ({t.handles[0]})" if i == 0 and t.handles else ""
        people.append(s + handle)
    org = f" ({t.org})" if t.org else ""
    return "by " + ", ".join(people) + org


def _canonical(event: tuple[str, dt.date], talks: list[Talk], rng: random.Random,
               words: Words) -> str:
    name, date = event
    tags = ", ".join(rng.sample(words.en, rng.randint(1, 3)))
    out = [f'---\nevent: "{name}"\ndate: {date.isoformat()}\ntags: [{tags}]\n---\n']
    for t in talks:
        out.append(f"## {t.title}\n{_by_line(t)}\n")
        if rng.random() < 0.3:
            out.append(f"tags: {', '.join(rng.sample(words.en, 2))}\n")
        if rng.random() < 0.3:
            out.append(f"slides: https://slides.example.com/{rng.choice(words.en)}\n")
        out.append("\n" + "".join(f"- {line}\n" for line in t.notes) + "\n")
    return "".join(out)


def _blog(event: tuple[str, dt.date], talks: list[Talk], rng: random.Random,
          words: Words) -> str:
    """A Japanese blog post: a title naming the event, the day stated, 「Title」 ― Name."""
    name, date = event
    out = [f'---\ntitle: "{name} 参加レポート"\ndate: {date.isoformat()}\n'
           f"tags: [{rng.choice(words.en)}]\n---\n\n",
           f"{date.year}年{date.month}月{date.day}日に開催された{name}に参加しました。"
           f"{words.ja_sentence(rng)}\n\n"]
    for t in talks:
        who = t.speakers[0] + "さん"
        org = f"（{t.org}）" if t.org else ""
        out.append(f"## 「{t.title}」 ― {who}{org}\n\n")
        out.append("".join(f"- {line}\n" for line in t.notes) + "\n")
    out.append(f"次回も{words.ja_sentence(rng)}\n")
    return "".join(out)


def _recap(event: tuple[str, dt.date], talks: list[Talk], rng: random.Random,
           words: Words) -> str:
    """An English recap without front matter: `Date:` line, `Speaker:` lines, prose notes."""
    name, date = event
    out = [f"# {name} Recap\n\nDate: {date.strftime('%B')} {date.day}, {date.year}\n\n"
           f"{words.en_sentence(rng)}\n\n"]
    for t in talks:
        org = f", {t.org}" if t.org else ""
        out.append(f"### {t.title}\nSpeaker: {' and '.join(t.speakers)}{org}\n\n")
        half = len(t.notes) // 2
        out.append(" ".join(t.notes[:half]) + "\n\n" if half else "")
        out.append("".join(f"- {line}\n" for line in t.notes[half:]) + "\n")
    return "".join(out)


def _plain(event: tuple[str, dt.date], talks: list[Talk], rng: random.Random,
           words: Words) -> str:
    """Plain-text notes: the event and its day on the first lines, 'Title / Name' lines."""
    name, date = event
    out = [f"{name} メモ\n開催日: {date.isoformat()}\n\n"]
    for t in talks:
        org = f" ({t.org})" if t.org else ""
        # an English title next to a kanji name reads both ways: quoted, as people write it
        title = t.title if t.speakers[0].isascii() else f"「{t.title}」"
        out.append(f"■ {title} / {t.speakers[0]}{org}\n")
        out.append("".join(f"・{line}\n" for line in t.notes) + "\n")
    return "".join(out)


SHAPES = (("md", _canonical, 0.5), ("md", _blog, 0.2), ("md", _recap, 0.15),
          ("txt", _plain, 0.15))


def generate(folder: Path, talks: int, seed: int = SEED) -> Expected:
    """Write the reports of `talks` talks into `folder` (emptied first); the same every time."""
    rng = random.Random(seed)
    words = Words(rng)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    n_events = max(1, talks // 5)
    days = rng.sample(range(3650), n_events)  # one event a day: no two merge by accident
    numbers: dict[str, int] = {}
    events = []
    for d in days:
        series = rng.choice(words.series)
        numbers[series] = numbers.get(series, 0) + 1
        events.append((f"{series} #{numbers[series]}",
                       dt.date(2015, 1, 1) + dt.timedelta(days=d)))
    titles: dict[int, set[str]] = {}
    reports: dict[str, tuple[str, dt.date, list[str]]] = {}
    written = files = total_bytes = 0
    named: set[int] = set()
    while written < talks:
        k = min(talks - written, rng.choices([1, 2, 3, 4], weights=[75, 13, 7, 5])[0])
        e = rng.randrange(n_events)
        named.add(e)
        size = int(min(5000, max(1000, rng.lognormvariate(7.6, 0.45))))
        used = titles.setdefault(e, set())
        batch = [_talk(words, rng, max(200, size // k - 150), used) for _ in range(k)]
        suffix, shape, _ = rng.choices(SHAPES, weights=[s[2] for s in SHAPES])[0]
        body = shape(events[e], batch, rng, words)
        files += 1
        path = folder / f"{files // 500:02d}" / f"{events[e][1].isoformat()}-{files:05d}.{suffix}"
        path.parent.mkdir(exist_ok=True)
        data = body.encode()
        path.write_bytes(data)
        total_bytes += len(data)
        written += k
        reports[str(path)] = (*events[e], [t.title for t in batch])
    return Expected(files, talks, len(named), total_bytes, reports)


# ----------------------------------------------------------------------------- phases


log_rejected: list[str] = []


def parse_only(folder: Path) -> tuple[float, int]:
    """Seconds read_report takes over every file's bytes (read beforehand), and its talks."""
    files = [(source_name(p), read_bytes(p)) for p in scan_paths([folder]).files]
    talks = 0
    started = time.perf_counter()
    for source, data in files:
        try:
            talks += len(read_report(data, source).talks)
        except ReportError as exc:  # counted, and shown by the import's rejections
            log_rejected.append(f"{source}: {exc.reason}")
    return time.perf_counter() - started, talks


@dataclass
class Imported:
    seconds: float
    parsing: float  # of which in read_report
    imported: int
    unchanged: int
    rejected: list[str]
    events: int
    talks: int


def run_import(url: str, folder: Path) -> Imported:
    """import_paths, timed; also the part of it spent in read_report (the parser), so the
    store's own part is known whatever other processes do to the parse-only figure."""
    parsing = 0.0
    read = importer.read_report

    def timed_read(data: bytes, source: str) -> ParsedReport:
        nonlocal parsing
        started = time.perf_counter()
        try:
            return read(data, source)
        finally:
            parsing += time.perf_counter() - started

    engine = make_engine(url)
    importer.read_report = timed_read  # type: ignore[assignment]
    try:
        sessions = make_sessionmaker(engine)
        started = time.perf_counter()
        result = import_paths(sessions, [folder])
        seconds = time.perf_counter() - started
    finally:
        importer.read_report = read  # type: ignore[assignment]
        engine.dispose()
    return Imported(seconds, parsing, result.imported, result.unchanged,
                    [f"{r.path}: {r.error}" for r in result.rejected], result.events,
                    result.talks)


def create_store(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _pg_store(url: str) -> tuple[str, str]:
    """A URL whose search_path is a fresh schema, and the schema's name."""
    schema = f"import_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(url))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", schema


def _drop_schema(url: str, schema: str) -> None:
    admin = create_engine(normalise_url(url))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@dataclass
class Figures:
    files: int
    talks: int
    parse_rate: float
    first_rate: float
    reimport_rate: float
    first: Imported
    again: Imported

    @property
    def first_ratio(self) -> float:
        return self.first_rate / self.parse_rate

    @property
    def speedup(self) -> float:
        return self.reimport_rate / self.first_rate

    @property
    def ok(self) -> bool:
        return self.first_ratio >= FIRST_TARGET and self.speedup >= REIMPORT_TARGET


def bench(folder: Path, url: str, expected: Expected, repeats: int = 3) -> Figures:
    """Parse only, first import and unchanged re-imports of `folder` into the empty store at
    `url`; rates are talks a second, on the talks the generator wrote."""
    parse_s, parsed = parse_only(folder)
    if parsed != expected.talks:
        print(f"warning: the parser read {parsed} talks, the generator wrote {expected.talks}")
    create_store(url)
    first = run_import(url, folder)
    again = min((run_import(url, folder) for _ in range(repeats)), key=lambda r: r.seconds)
    n = expected.talks
    return Figures(expected.files, n, n / parse_s, n / first.seconds, n / again.seconds,
                   first, again)


def report(label: str, f: Figures) -> None:
    mark = {True: "ok", False: "MISSED"}
    print(f"\n== {label}: {f.files:,} files, {f.talks:,} talks ==")
    print(f"parse only (read_report):  {f.parse_rate:8.1f} talks/s")
    print(f"first import:              {f.first_rate:8.1f} talks/s  ({f.first.seconds:.1f} s; "
          f"{f.first_ratio:.2f} of parse only, target >= {FIRST_TARGET}: "
          f"{mark[f.first_ratio >= FIRST_TARGET]})")
    if f.first.parsing:
        print(f"  of which parsing {f.first.parsing:.1f} s, storing "
              f"{f.first.seconds - f.first.parsing:.1f} s")
    else:  # parsed by the importer's pool of processes, alongside the writing
        print("  parsed by the importer's parser processes while this one wrote")
    print(f"unchanged re-import:       {f.reimport_rate:8.1f} talks/s  ({f.again.seconds:.2f} s, "
          f"best of 3; {f.speedup:.0f}x the first, target >= {REIMPORT_TARGET:.0f}x: "
          f"{mark[f.speedup >= REIMPORT_TARGET]})")
    print(f"stored: {f.first.imported} imported, {len(f.first.rejected)} rejected, "
          f"{f.first.events:,} events, {f.first.talks:,} talks; re-import: "
          f"{f.again.unchanged} unchanged, {f.again.imported} imported")
    for line in f.first.rejected[:5]:
        print(f"  rejected {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the reports (and the SQLite store) go; a temporary "
                             "folder, removed afterwards, when not given")
    parser.add_argument("--db", default=None,
                        help="a PostgreSQL URL (a schema of its own is created and dropped); "
                             "SQLite in the folder when not given")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        started = time.perf_counter()
        expected = generate(work / "reports", args.talks)
        print(f"python {sys.version.split()[0]}; wrote {expected.files:,} files "
              f"({expected.bytes / expected.files / 1024:.1f} KB each on average), "
              f"{expected.talks:,} talks of {expected.events:,} events in "
              f"{time.perf_counter() - started:.1f} s to {work / 'reports'}", flush=True)
        if args.db and not args.db.startswith("sqlite"):
            url, schema = _pg_store(args.db)
            try:
                figures = bench(work / "reports", url, expected)
            finally:
                _drop_schema(args.db, schema)
            label = "PostgreSQL"
        else:
            url = args.db or f"sqlite:///{work / 'store.db'}"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work / 'store.db'}{suffix}").unlink(missing_ok=True)
            figures = bench(work / "reports", url, expected)
            label = "SQLite"
        report(label, figures)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return int(args.check and not figures.ok)


if __name__ == "__main__":
    raise SystemExit(main())
