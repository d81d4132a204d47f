"""The notes `serve` keeps imported: the CONTENT_DIR folders (else the bundled notes), imported
with pruning at start and again every IMPORT_INTERVAL seconds."""

from __future__ import annotations

import logging
import os

from apscheduler.job import Job
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot.metrics import Metrics
from bot.settings import Settings, SettingsError
from store.identity import bundled_content_dir
from store.importer import ImportResult, import_paths

log = logging.getLogger("meetup_bot.notes")

# Not "digest:…": DigestScheduler.sync removes the jobs of that prefix it does not know.
REIMPORT_JOB = "notes:reimport"


def content_folders(settings: Settings) -> list[str]:
    """The folders CONTENT_DIR names (':' between them), each checked to be a readable folder;
    the bundled notes when it is unset."""
    if not settings.content_dir:
        return [str(bundled_content_dir())]
    folders = [f.strip() for f in settings.content_dir.split(":") if f.strip()]
    if not folders:
        raise SettingsError("CONTENT_DIR names no folder")
    for folder in folders:
        if not os.path.isdir(folder):
            raise SettingsError(f"CONTENT_DIR: {folder} is not a folder "
                                f"({'missing' if not os.path.exists(folder) else 'a file'})")
        if not os.access(folder, os.R_OK | os.X_OK):
            raise SettingsError(f"CONTENT_DIR: {folder} cannot be read by this user "
                                f"(uid {os.getuid()})")
    return folders


def summary(result: ImportResult) -> str:
    """One line for the log: what an import of the notes did."""
    forgotten = len(result.forgotten or [])
    return (f"{result.files} files: {result.imported} imported, {result.unchanged} unchanged, "
            f"{len(result.rejected)} rejected, {forgotten} forgotten; the store holds "
            f"{result.events} events and {result.talks} talks")


def import_content(settings: Settings, sessions: sessionmaker[Session],
                   folders: list[str] | None = None, *, quiet: bool = False,
                   metrics: Metrics | None = None) -> ImportResult:
    """Import the notes with pruning and log the outcome; a rejected file is logged, never
    raised (the other files are still imported). SettingsError for a CONTENT_DIR that names
    no folder; StoreError when the store itself fails. `quiet`: an import that changed
    nothing logs at DEBUG only."""
    folders = folders if folders is not None else content_folders(settings)
    result = import_paths(sessions, folders, prune=True)
    if metrics is not None:
        metrics.count_import(result.imported, result.unchanged, len(result.rejected))
    where = ", ".join(folders) if settings.content_dir else "the bundled notes"
    changed = result.imported or result.forgotten or result.rejected
    level = (logging.WARNING if result.rejected else logging.INFO if changed or not quiet
             else logging.DEBUG)
    log.log(level, "imported %s: %s", where, summary(result))
    for r in result.rejected:
        log.warning("rejected %s: %s", r.path, r.error)
    for r in result.skipped:
        log.info("skipped %s: %s", r.path, r.error)
    for path in result.forgotten or []:
        log.info("forgot %s (its file is gone)", path)
    return result


def reimport(settings: Settings, sessions: sessionmaker[Session],
             metrics: Metrics | None = None) -> ImportResult | None:
    """The interval job: import again; never raises into the scheduler."""
    try:
        # A folder gone since start (an unmounted share) is skipped, not pruned: import_paths
        # rejects it and prunes only folders that exist.
        folders = ([f.strip() for f in settings.content_dir.split(":") if f.strip()]
                   if settings.content_dir else None)
        return import_content(settings, sessions, folders, quiet=True, metrics=metrics)
    except Exception:
        log.exception("re-importing the notes failed; trying again in %ss",
                      settings.import_interval)
        return None


def schedule_reimport(scheduler: BaseScheduler, settings: Settings,
                      sessions: sessionmaker[Session], metrics: Metrics | None = None
                      ) -> Job | None:
    """With IMPORT_INTERVAL, a job on `scheduler` that re-imports every that many seconds
    (one at a time; runs missed while one was busy are merged into one)."""
    if not settings.import_interval:
        return None
    return scheduler.add_job(
        reimport, "interval", seconds=settings.import_interval, args=[settings, sessions],
        kwargs={"metrics": metrics} if metrics is not None else {},
        id=REIMPORT_JOB, name="re-import the notes", replace_existing=True,
        max_instances=1, coalesce=True)
