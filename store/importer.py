"""Importing report files into the store: one transaction a file, unchanged files skipped.

Whatever one file holds, it costs that file only: every failure in reading, parsing or storing
it becomes its one-line rejection and the batch goes on. A failure of the store itself
(read-only, disk full, connection lost) is no file's fault: it stops the import with a
StoreError naming the store and the cause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from store import identity as ident_mod
from store import merge
from store.db import error_line, hidden_url, store_failure
from store.decoding import MAX_BYTES, decode_report
from store.errors import ReportError, StoreError
from store.fetch import FetchError, normalise_url
from store.models import Event, RemoteVersion, Report, Talk
from store.reports import PARSER_VERSION, ParsedReport, parse_report
from store.search import index_event

log = logging.getLogger(__name__)

REPORT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
MAX_SOURCE_CHARS = 1024  # reports.source is String(1024) on both databases
# PostgreSQL's btree index holds at most ~2,700 bytes a row; the unique index on the source
# must accept every path we accept, whatever its script.
MAX_SOURCE_BYTES = 2000
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def source_name(path: str) -> str:
    """The path as the store keeps it: a file name that is not UTF-8 (it reaches Python with
    surrogate escapes, which no database can store) gets its odd bytes as `\\xNN`."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        try:
            raw = path.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return path.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")


def display_path(path: str) -> str:
    """The path printable on one line: odd bytes as `\\xNN`, a newline or other control
    character escaped, so a file name cannot fake a line of the output."""
    return _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"
                                                  if ord(m.group()) < 0x100
                                                  else f"\\u{ord(m.group()):04x}"),
                            source_name(path))


def _one_line(text: str) -> str:
    return " ".join(_UNPRINTABLE.sub(" ", text).split())[:300]


@dataclass(frozen=True)
class Rejected:
    """A path and why it was not imported, both printable on one line."""

    path: str
    error: str

    @classmethod
    def of(cls, path: str, error: str) -> Rejected:
        return cls(display_path(path), _one_line(error))


@dataclass
class ImportResult:
    files: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    events: int = 0
    talks: int = 0
    # symbolic links not followed (they lead outside the imported folders), and why
    skipped: list[Rejected] = field(default_factory=list)
    # path -> what the front matter had that was ignored or cut (for `--dry-run` and `-v`)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    # with `prune`: reports forgotten because their files are gone (printable paths)
    forgotten: list[str] | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "files": self.files,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "rejected": [{"path": r.path, "error": r.error} for r in self.rejected],
            "events": self.events,
            "talks": self.talks,
        }
        if self.skipped:  # only then, so the usual shape stays the documented one
            out["skipped"] = [{"path": r.path, "reason": r.error} for r in self.skipped]
        if self.forgotten is not None:
            out["forgotten"] = list(self.forgotten)
        return out


@dataclass
class Scan:
    """What `scan_paths` found: files to import, paths it could not read, links it skipped."""

    files: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    skipped: list[Rejected] = field(default_factory=list)


def _inside(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _is_report(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in REPORT_SUFFIXES


def scan_paths(paths: Iterable[str | Path]) -> Scan:
    """Report files under `paths` (folders recursively, hidden files skipped), sorted.

    A path that does not exist and a folder that cannot be read are rejected rather than
    silently skipped. Inside a folder, a symbolic link is followed only when it leads to a
    place inside one of the folders being imported; a path named directly is always read.
    """
    scan = Scan()
    given = [os.fsdecode(os.fspath(p)) for p in paths]
    roots = [os.path.realpath(p) for p in given if os.path.isdir(p)]
    for path in given:
        if os.path.isdir(path):
            scan.files.extend(str(p) for p in sorted(map(Path, _walk(path, roots, scan))))
        elif os.path.isfile(path):
            scan.files.append(path)
        elif os.path.islink(path):
            scan.rejected.append(Rejected.of(path, "broken symbolic link"))
        elif os.path.exists(path):
            scan.rejected.append(Rejected.of(path, "not a regular file or folder"))
        else:
            scan.rejected.append(Rejected.of(path, "no such file or folder"))
    scan.files = list(dict.fromkeys(scan.files))
    return scan


def _walk(top: str, roots: Sequence[str], scan: Scan) -> Iterable[str]:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            scan.rejected.append(Rejected.of(folder, f"cannot read folder: "
                                                     f"{exc.strerror or exc}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not os.path.exists(target):
                        if _is_report(entry.name):
                            scan.skipped.append(Rejected.of(entry.path, "broken symbolic link"))
                        continue
                    is_dir = os.path.isdir(target)
                    if not _inside(target, roots):
                        if is_dir or _is_report(entry.name):
                            scan.skipped.append(Rejected.of(
                                entry.path, "symbolic link to outside the imported folders, "
                                            "not followed"))
                        continue
                    if is_dir:
                        continue  # its files are imported under their own folder
                    if os.path.isfile(target) and _is_report(entry.name):
                        yield entry.path
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and _is_report(entry.name):
                    yield entry.path
            except OSError as exc:
                scan.rejected.append(Rejected.of(entry.path, f"cannot read: "
                                                             f"{exc.strerror or exc}"))


def collect_files(paths: Iterable[str | Path]) -> tuple[list[str], list[Rejected]]:
    """The report files under `paths` and the paths that could not be read (`scan_paths`)."""
    scan = scan_paths(paths)
    return scan.files, scan.rejected


def read_bytes(path: str) -> bytes:
    """The file's bytes, or a ReportError for a wrong type, an oversized or unreadable file."""
    p = Path(path)
    if p.suffix.lower() not in REPORT_SUFFIXES:
        raise ReportError(f"unsupported file type {p.suffix or '(none)'}; "
                          f"use {', '.join(REPORT_SUFFIXES)}")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ReportError(f"file is larger than 5 MB ({size / 1024 / 1024:.1f} MB)")
        return p.read_bytes()
    except OSError as exc:
        raise ReportError(f"cannot read file: {exc.strerror or exc}") from exc


def fingerprint(data: bytes) -> str:
    """The file's content hash, salted with the parser's version: a file is unchanged only if
    neither it nor the way it is read has changed, so a better parser re-reads old reports."""
    return hashlib.sha256(f"meetup-bot parser {PARSER_VERSION}\n".encode() + data).hexdigest()


IndexHook = Callable[[Session, Event], None]


BATCH_FILES = 100  # files written in one transaction (each in its own savepoint)
# Serialises writers on PostgreSQL as SQLite's write lock does there: parsing happens before
# it is taken, only the short batch transaction holds it.
_PG_IMPORT_LOCK = 0x6D627431  # "mbt1"


def content_sha(data: bytes) -> str:
    """The bytes' own hash, whatever the parser: a file that moved keeps it."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Ready:
    """A parsed file waiting for its batch to be written."""

    path: str
    ident: str
    given: str
    digest: str
    sha: str
    parsed: ParsedReport
    keep: tuple[str, str] | None = None  # (name, text) of a page or Slack file, kept for Undo


class _Run:
    """One import: what the store held when it started, and what it has done since."""

    def __init__(self, sessions: sessionmaker[Session], result: ImportResult,
                 on_event: IndexHook | None) -> None:
        self.sessions, self.result, self.on_event = sessions, result, on_event
        with _store_guard(sessions), sessions() as session:
            self.known: dict[str, str] = {
                source: sha for source, sha
                in session.execute(select(Report.source, Report.content_hash))}
        self._legacy: dict[str, list[str]] | None = None

    def legacy(self) -> dict[str, list[str]]:
        """Reports stored by an older version under another spelling of their path, by the
        identity that spelling resolves to (here, from this working directory)."""
        if self._legacy is None:
            self._legacy = {}
            for source in self.known:
                if source.startswith(ident_mod.BUNDLED) or ident_mod.is_remote(source):
                    continue
                canon = source_name(ident_mod.identity(source))
                if canon != source:
                    self._legacy.setdefault(canon, []).append(source)
        return self._legacy


def _begin_write(session: Session) -> None:
    """Start the transaction holding the store's write lock, so concurrent importers queue
    up instead of both creating the same report or event."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_IMPORT_LOCK})


def _write_batch(run: _Run, batch: list[_Ready]) -> None:
    """Write parsed files in one transaction, each in a savepoint: a file that fails rolls
    back alone and is rejected; a failure of the store itself stops the import."""
    session = run.sessions()
    try:
        with _store_guard(run.sessions):
            _begin_write(session)
        # Reports of one event often come one after another (date-named files): the
        # event's merged rows and search index are derived once, with the last of them.
        keys = [merge.event_key(r.parsed.event.name) for r in batch]
        carried: set[int] = set()
        for i, ready in enumerate(batch):
            defer = i + 1 < len(batch) and keys[i + 1] == keys[i]
            try:
                with _store_guard(run.sessions), session.begin_nested():
                    stored = _store_one(session, run, ready, carried, defer=defer)
            except SQLAlchemyError as exc:
                log.info("could not store %s", display_path(ready.path), exc_info=True)
                _reject(run.result, ready.path,
                        f"database error: {type(getattr(exc, 'orig', None) or exc).__name__}"
                        f": {error_line(exc)}")
                continue
            except (ValueError, UnicodeError) as exc:  # a value the driver refuses to send
                log.info("could not store %s", display_path(ready.path), exc_info=True)
                _reject(run.result, ready.path,
                        f"cannot store this report ({type(exc).__name__})")
                continue
            if stored:
                run.result.imported += 1
                log.info("imported %s: %s, %d talks", display_path(ready.path),
                         ready.parsed.event.name, len(ready.parsed.talks))
            else:
                run.result.unchanged += 1
        if carried:  # the file that was to derive them failed: derive them now
            with _store_guard(run.sessions), session.begin_nested():
                _reindex(session, run.on_event, carried)
        with _store_guard(run.sessions):
            session.commit()
    finally:
        session.close()


def _store_one(session: Session, run: _Run, ready: _Ready, carried: set[int], *,
               defer: bool = False) -> bool:
    """Store one parsed file under the write lock; False when another importer already
    stored this very content. The events it touched are derived and indexed now, with
    those `carried` from files before it, or (`defer`) left in `carried` for the next
    file, which tells the same event."""
    # this file's report, and any report of the same bytes (it may have moved here)
    found = session.scalars(select(Report).where(
        or_(Report.source == ready.ident, Report.content_sha == ready.sha))
        .order_by(Report.id)).all()
    report = next((r for r in found if r.source == ready.ident), None)
    if report is not None and report.content_hash == ready.digest:
        report.given = ready.given
        return False
    if report is None:
        report = _moved_report(session, run, ready,
                               [r for r in found if r.content_sha == ready.sha])
    now = dt.datetime.now(dt.UTC)
    fresh = report is None
    if report is None:
        report = Report(source=ready.ident, content_hash=ready.digest, imported_at=now)
        session.add(report)
    report.source, report.given = ready.ident, ready.given
    report.content_hash, report.content_sha, report.imported_at = ready.digest, ready.sha, now
    session.flush()
    touched = _forget_others(session, run, ready.ident, keep=report.id)
    prev = merge.Previous() if fresh else merge.detach(session, report)
    event = merge.attach(session, report, ready.parsed.event, ready.parsed.talks, prev)
    todo = {*carried, event.id, *prev.event_ids, *touched}
    if not defer:
        _reindex(session, run.on_event, sorted(todo))
        todo = set()
    if ready.keep is not None:
        _keep_version(session, ready, now)
    run.known[ready.ident] = ready.digest
    carried.clear()
    carried.update(todo)
    return True


KEPT_VERSIONS = 2  # the current version of a page and the one it replaced


def _keep_version(session: Session, ready: _Ready, now: dt.datetime) -> None:
    """Keep this version's text (in the import's transaction) and the one it replaced."""
    assert ready.keep is not None
    name, body = ready.keep
    session.execute(delete(RemoteVersion).where(RemoteVersion.ident == ready.ident,
                                                RemoteVersion.content_hash == ready.digest))
    session.add(RemoteVersion(ident=ready.ident, content_hash=ready.digest, given=ready.given,
                              name=name, text=body, stored_at=now))
    session.flush()
    old = session.scalars(select(RemoteVersion.id).where(RemoteVersion.ident == ready.ident)
                          .order_by(RemoteVersion.id.desc()).offset(KEPT_VERSIONS)).all()
    if old:
        session.execute(delete(RemoteVersion).where(RemoteVersion.id.in_(old)))


@dataclass(frozen=True)
class KeptVersion:
    """A page's or Slack file's version as it was stored."""

    digest: str
    given: str
    name: str
    text: str


def replaced_version(sessions: sessionmaker[Session], ident: str, digest: str | None
                     ) -> tuple[str, KeptVersion | None]:
    """For an Undo of the import that stored `digest` under `ident`: "current" (that version
    is the one stored; None: no digest, an older button), "changed" (another version was
    stored since) or "gone"; and the version it replaced (None: there was none)."""
    with _store_guard(sessions), sessions() as session:
        stored = session.scalar(select(Report.content_hash).where(Report.source == ident))
        if stored is None:
            return "gone", None
        if digest is None:
            return "current", None
        if stored != digest:
            return "changed", None
        prev = session.scalars(select(RemoteVersion).where(
            RemoteVersion.ident == ident, RemoteVersion.content_hash != digest)
            .order_by(RemoteVersion.id.desc()).limit(1)).first()
        if prev is None:
            return "current", None
        return "current", KeptVersion(prev.content_hash, prev.given, prev.name, prev.text)


def drop_version(sessions: sessionmaker[Session], ident: str, digest: str) -> None:
    """Forget one kept version (the one an Undo took back)."""
    with _store_guard(sessions), sessions() as session, session.begin():
        session.execute(delete(RemoteVersion).where(RemoteVersion.ident == ident,
                                                    RemoteVersion.content_hash == digest))


def _moved_report(session: Session, run: _Run, ready: _Ready,
                  same_bytes: Sequence[Report]) -> Report | None:
    """The stored report this file is, under another path: the same bytes at a path that no
    longer holds a file (moved or renamed), or this file under an older version's spelling."""
    if ident_mod.is_remote(ready.ident):
        return None  # a page or a Slack file is its own name: it never moves
    for report in same_bytes:
        if ident_mod.is_remote(report.source):
            continue  # the same bytes at a URL are another report, not this file moved
        if not os.path.isfile(ident_mod.file_of(report.source)):
            log.info("%s moved to %s", display_path(report.shown), display_path(ready.path))
            run.known.pop(report.source, None)
            return report
    for source in run.legacy().get(ready.ident, []):
        old = session.scalar(select(Report).where(Report.source == source))
        if old is not None:
            run.legacy()[ready.ident].remove(source)
            run.known.pop(source, None)
            return old
    return None


def _forget_others(session: Session, run: _Run, ident: str, keep: int) -> list[int]:
    """Other reports an older version stored for this same file: forgotten, since this one
    now stands for it. Returns the events they touched."""
    touched: list[int] = []
    for source in run.legacy().pop(ident, []):
        report = session.scalar(select(Report).where(Report.source == source))
        if report is not None and report.id != keep:
            touched.extend(_drop_report(session, report))
            run.known.pop(source, None)
    return touched


def _drop_report(session: Session, report: Report) -> list[int]:
    prev = merge.detach(session, report)
    session.delete(report)
    session.flush()
    return prev.event_ids


def _reindex(session: Session, on_event: IndexHook | None, event_ids: Iterable[int]) -> None:
    for event in merge.refresh(session, event_ids):
        index_event(session, event)  # here, so no caller can forget the search index
        if on_event is not None:
            on_event(session, event)


def import_paths(
    sessions: sessionmaker[Session],
    paths: Sequence[str | Path],
    *,
    prune: bool = False,
    progress: Callable[[str], None] | None = None,
    on_event: IndexHook | None = None,
    batch_files: int = BATCH_FILES,
) -> ImportResult:
    """Import every report under `paths`, in batches of files, each file in its own savepoint.

    A file is one report whatever spelling names it (store.identity); an unchanged file is
    skipped without being parsed; a report of an event the store has already merges into it
    (store.merge). With `prune`, reports under the given folders whose files are gone are
    forgotten. `progress` is called once per file (for a progress bar) with the printable
    path; `on_event` runs inside the file's savepoint after its event is written and indexed.
    Raises StoreError, after the batches before it were written, when the store itself fails.
    """
    scan = scan_paths(paths)
    result = ImportResult(files=len(scan.files), rejected=list(scan.rejected),
                          skipped=list(scan.skipped))
    run = _Run(sessions, result, on_event)
    # First every file is read and fingerprinted (cheap): unchanged files are done. Then the
    # changed ones are parsed — by a pool of processes when there are many, so parsing runs
    # on the other cores while this process writes the batches parsed so far.
    todo: list[_Job] = []
    for path in scan.files:
        job = _fingerprint(run, path)
        if job is not None:
            todo.append(job)
        elif progress is not None:
            progress(display_path(path))
    batch: list[_Ready] = []
    for job, outcome in _parsed(todo):
        if progress is not None:
            progress(display_path(job.path))
        ready = _ready(run, job, outcome)
        if ready is not None:
            batch.append(ready)
        if len(batch) >= batch_files:
            _write_batch(run, batch)
            batch = []
    if batch:
        _write_batch(run, batch)
    if prune:
        result.forgotten = _prune(sessions, paths)
    result.events, result.talks = _totals(sessions)
    return result


@dataclass(frozen=True)
class _Job:
    """A changed file to parse: where it is, what it is called, its fingerprint."""

    path: str
    ident: str
    given: str
    digest: str


# (content sha256, parsed report), or the reason the file is rejected
_Outcome = tuple[str, ParsedReport] | str
PARALLEL_MIN = 48  # changed files from which a pool of parser processes pays for its start


def _fingerprint(run: _Run, path: str) -> _Job | None:
    """Read and fingerprint one file; None when there is nothing to parse (unchanged, or
    rejected with its reason)."""
    given = source_name(path)
    ident = source_name(ident_mod.identity(path))
    if len(ident) > MAX_SOURCE_CHARS or len(ident.encode("utf-8")) > MAX_SOURCE_BYTES:
        _reject(run.result, path, f"path too long to store ({len(ident)} characters; "
                                  f"at most {MAX_SOURCE_CHARS})")
        return None
    try:
        data = read_bytes(path)
    except ReportError as exc:
        _reject(run.result, path, exc.reason)
        return None
    digest = fingerprint(data)
    if run.known.get(ident) == digest:
        run.result.unchanged += 1
        return None
    return _Job(path, ident, given, digest)


def _parse(job: _Job) -> _Outcome:
    """Read and parse one file (in a parser process, or here)."""
    try:
        data = read_bytes(job.path)
        return content_sha(data), read_report(data, job.given)
    except ReportError as exc:
        return exc.reason


def _parsed(jobs: list[_Job]) -> Iterator[tuple[_Job, _Outcome]]:
    """Each job with its outcome, in order. Many jobs go to a pool of processes (spawned, so
    no thread of this process is copied into them); if the pool breaks (a worker killed),
    the rest are parsed here."""
    workers = min(os.cpu_count() or 1, 4)
    done = 0
    if len(jobs) >= PARALLEL_MIN and workers > 1:
        try:
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                for outcome in pool.map(_parse, jobs, chunksize=4):
                    yield jobs[done], outcome
                    done += 1
        except (BrokenProcessPool, OSError) as exc:
            log.warning("the parser processes stopped (%s); parsing the remaining %d files "
                        "here", type(exc).__name__, len(jobs) - done)
    for job in jobs[done:]:
        yield job, _parse(job)


def _ready(run: _Run, job: _Job, outcome: _Outcome) -> _Ready | None:
    if isinstance(outcome, str):
        _reject(run.result, job.path, outcome)
        return None
    sha, parsed = outcome
    if parsed.warnings:
        run.result.warnings[job.given] = list(parsed.warnings)
        for w in parsed.warnings:
            log.info("%s: %s", display_path(job.path), w)
    return _Ready(job.path, job.ident, job.given, job.digest, sha, parsed)


@dataclass
class ForgetResult:
    """What `forget_paths` removed (printable paths) and which paths named no report."""

    forgotten: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    events: int = 0
    talks: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"forgotten": self.forgotten, "unknown": self.unknown,
                "events": self.events, "talks": self.talks}


def _reports_named(session: Session, path: str) -> list[Report]:
    """The reports a path names: the file's, or every one under the folder; also when the
    files are gone, and reports an older version stored under this very spelling."""
    ident = source_name(ident_mod.identity(path))
    given = source_name(path)
    if ident_mod.is_remote(ident):  # a page or a Slack file: that one report, exactly
        with suppress(FetchError):
            ident = normalise_url(ident) if ident.startswith(("http:", "https:")) else ident
        return list(session.scalars(select(Report).where(
            (Report.source == ident) | (Report.source == given))))
    sep = "/" if ident.startswith(ident_mod.BUNDLED) else os.sep
    stmt = select(Report).where(
        (Report.source == ident) | (Report.source == given)
        | Report.source.startswith(ident.rstrip(sep) + sep, autoescape=True)
    ).order_by(Report.source)
    return list(session.scalars(stmt))


def _forget(sessions: sessionmaker[Session],
            pick: Callable[[Session], list[Report]]) -> list[str]:
    session = sessions()
    shown: list[str] = []
    try:
        with _store_guard(sessions):
            _begin_write(session)
            touched: list[int] = []
            for report in pick(session):
                shown.append(display_path(report.shown))
                session.execute(delete(RemoteVersion).where(
                    RemoteVersion.ident == report.source))
                touched.extend(_drop_report(session, report))
            _reindex(session, None, touched)
            session.commit()
    finally:
        session.close()
    for path in shown:
        log.info("forgot %s", path)
    return shown


def _totals(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with _store_guard(sessions), sessions() as session:
        return (session.scalar(select(func.count(Event.id))) or 0,
                session.scalar(select(func.count(Talk.id))) or 0)


def forget_paths(sessions: sessionmaker[Session], paths: Sequence[str | Path]) -> ForgetResult:
    """Remove the reports `paths` name (files or folders, by identity, also when the files
    are gone) and only their contribution to events and talks."""
    result = ForgetResult()
    given = [os.fsdecode(os.fspath(p)) for p in paths]

    def pick(session: Session) -> list[Report]:
        found: dict[int, Report] = {}
        for path in given:
            named = _reports_named(session, path)
            if not named:
                result.unknown.append(display_path(path))
            found.update((r.id, r) for r in named)
        return list(found.values())

    result.forgotten = _forget(sessions, pick)
    result.events, result.talks = _totals(sessions)
    return result


def _prune(sessions: sessionmaker[Session], paths: Sequence[str | Path]) -> list[str]:
    """Forget reports under the given folders whose files no longer exist."""
    folders = [os.fsdecode(os.fspath(p)) for p in paths if os.path.isdir(p)]
    if not folders:
        return []

    def pick(session: Session) -> list[Report]:
        found: dict[int, Report] = {}
        for folder in folders:
            for report in _reports_named(session, folder):
                if not os.path.isfile(ident_mod.file_of(report.source)):
                    found[report.id] = report
        return list(found.values())

    return _forget(sessions, pick)


@contextmanager
def _store_guard(sessions: sessionmaker[Session]) -> Iterator[None]:
    """Turns a failure of the store itself into StoreError; other errors pass unchanged."""
    try:
        yield
    except SQLAlchemyError as exc:
        # SQLite rolls the whole transaction back on a full disk: the savepoint's own
        # rollback then fails ("no such savepoint") with the real cause as its context
        cause = None
        seen: BaseException | None = exc
        while seen is not None:
            cause = store_failure(seen) or cause
            seen = seen.__context__
        if cause is None:
            raise
        bind = sessions.kw.get("bind")
        store = hidden_url(bind.url) if bind is not None else "(unknown)"
        log.info("the store failed", exc_info=True)  # statement and parameters: -v only
        raise StoreError(store, cause) from None


def _reject(result: ImportResult, path: str, reason: str) -> None:
    rejected = Rejected.of(path, reason)
    log.info("rejected %s: %s", rejected.path, rejected.error)
    result.rejected.append(rejected)


@dataclass
class Preview:
    """What importing one file would store, or why it would be rejected."""

    path: str
    report: ParsedReport | None = None
    error: str | None = None


def preview_paths(paths: Sequence[str | Path]) -> tuple[list[Preview], list[Rejected]]:
    """Read and parse every report under `paths` without touching a store (`--dry-run`).

    Paths are printable (`display_path`); like `import_paths`, every failure in reading a
    file is its one-line error, and front-matter warnings come first among a report's.
    """
    scan = scan_paths(paths)
    previews: list[Preview] = []
    for path in scan.files:
        shown = display_path(path)
        try:
            parsed = read_report(read_bytes(path), source_name(path))
        except ReportError as exc:
            previews.append(Preview(shown, error=_one_line(exc.reason)))
            continue
        previews.append(Preview(shown, report=parsed))
    return previews, scan.rejected


def read_report(data: bytes, source: str) -> ParsedReport:
    """Decode and parse one file's bytes; any failure, a parser bug included, is a
    ReportError with a one-line reason, so it costs this file and not the batch."""
    try:
        text = decode_report(data)
        parsed = parse_report(text, source=source)
    except ReportError:
        raise
    except Exception as exc:
        log.info("could not parse %s", display_path(source), exc_info=True)
        raise ReportError(f"cannot read this report ({type(exc).__name__})") from None
    return parsed


def import_report(sessions: sessionmaker[Session], data: bytes, parsed: ParsedReport, *,
                  ident: str, given: str | None = None,
                  on_event: IndexHook | None = None,
                  keep: tuple[str, str] | None = None) -> ImportResult:
    """Store one report that is no file here (a page, a file shared in Slack) under `ident`
    (store.identity.is_remote): re-importing the same identity replaces that report, the
    same bytes again change nothing, and merging applies as for files. `keep` (the name the
    parser reads, the text) is kept with the version, so an Undo can restore it."""
    given = given or ident
    result = ImportResult(files=1)
    if len(ident) > MAX_SOURCE_CHARS or len(ident.encode("utf-8")) > MAX_SOURCE_BYTES:
        _reject(result, given, f"name too long to store ({len(ident)} characters; "
                               f"at most {MAX_SOURCE_CHARS})")
    else:
        run = _Run(sessions, result, on_event)
        if parsed.warnings:
            result.warnings[given] = list(parsed.warnings)
        _write_batch(run, [_Ready(given, ident, given, fingerprint(data), content_sha(data),
                                  parsed, keep)])
    result.events, result.talks = _totals(sessions)
    return result


def forget_report(sessions: sessionmaker[Session], ident: str) -> ForgetResult:
    """Remove the one report stored under `ident` (an Undo of `import_report`)."""
    result = ForgetResult()

    def pick(session: Session) -> list[Report]:
        report = session.scalar(select(Report).where(Report.source == ident))
        if report is None:
            result.unknown.append(display_path(ident))
            return []
        return [report]

    result.forgotten = _forget(sessions, pick)
    result.events, result.talks = _totals(sessions)
    return result
