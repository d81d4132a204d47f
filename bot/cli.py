"""The `meetup-bot` command line: thin wrappers that call the store and print results."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, SettingsError
from store.db import (
    ensure_schema,
    error_line,
    hidden_url,
    make_engine,
    make_sessionmaker,
    upgrade,
)
from store.errors import ReportError, StoreError
from store.fetch import FetchError, FetchPolicy, parse_hosts
from store.identity import bundled_content_dir
from store.importer import (
    ImportResult,
    Preview,
    Rejected,
    collect_files,
    forget_paths,
    import_paths,
    import_report,
    preview_paths,
)
from store.queries import list_talks, talk_dict
from store.remote import RemoteReport, fetch_report

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("meetup_bot")


def _db_from_group(ctx: click.Context, _param: click.Parameter, value: str | None
                   ) -> str | None:
    """`--db` after the subcommand, else `--db` before it (`meetup-bot --db URL import`)."""
    if value is not None:
        return value
    root = ctx.find_root().obj
    return root.get("db_url") if isinstance(root, dict) else None


def db_option(fn: F) -> F:
    return click.option(
        "--db", "db_url", metavar="URL", default=None, callback=_db_from_group,
        help="SQLAlchemy URL of the store (default: $DATABASE_URL, else sqlite:///meetup_bot.db).",
    )(fn)


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def open_store(db_url: str | None, *, migrate: bool = True) -> Iterator[
        tuple[Engine, sessionmaker[Session]]]:
    """The store's engine and sessions, schema at head; errors become one clear line."""
    url = db_url or load_settings().database_url
    try:
        engine = make_engine(url)
    except (ArgumentError, ValueError):
        raise click.ClickException("the database URL is not a valid SQLAlchemy URL") from None
    except ModuleNotFoundError as exc:
        raise click.ClickException(f"no database driver for this URL ({exc.name})") from None
    try:
        if migrate:
            ensure_schema(engine)
        yield engine, make_sessionmaker(engine)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        # The driver's first line only: SQLAlchemy's text carries the statement and its
        # parameters, which `-v` logs for operators.
        log.info("the store failed", exc_info=True)
        orig = getattr(exc, "orig", None) or exc
        raise click.ClickException(
            f"cannot use the store {hidden_url(url)}: {type(orig).__name__}: {error_line(exc)}"
        ) from None
    finally:
        engine.dispose()


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for operators.")
@click.option("--db", "db_url", metavar="URL", default=None,
              help="SQLAlchemy URL of the store, for any subcommand (also after it).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, db_url: str | None) -> None:
    """meetup-bot: meetup and conference notes that answer back inside Slack."""
    ctx.ensure_object(dict)["db_url"] = db_url
    try:
        settings: Settings | None = Settings.from_env()
    except SettingsError as exc:
        if "LOG_FORMAT" in str(exc):
            raise click.ClickException(str(exc)) from None
        settings = None  # the subcommand that needs the settings says what is wrong
    secrets = [s for s in (settings.slack_bot_token, settings.slack_signing_secret,
                           settings.slack_app_token) if s] if settings else []
    handler = logging.StreamHandler(sys.stderr)
    if settings is not None and settings.log_format == "json":
        handler.setFormatter(JsonLogFormatter(verbose=verbose, secrets=secrets))
    else:
        handler.setFormatter(LogFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                          verbose=verbose, secrets=secrets))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


# Slack tokens (bot, user, app-level, refresh …) and passwords in URLs, wherever they appear.
_SECRET_PATTERNS = (
    (re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+"), r"\1-…"),
    (re.compile(r"(://[^:/@\s]+):[^@\s]+@"), r"\1:***@"),
)


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """`text` without Slack tokens, URL passwords and the given secret values."""
    for secret in secrets:
        if len(secret) >= 8:
            text = text.replace(secret, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class LogFormatter(logging.Formatter):
    """Without -v, a database error in a log record shows as its driver's first line:
    SQLAlchemy's text carries the SQL statement and its parameters (report text, tokens).
    Slack tokens, URL passwords and the settings' secrets never reach the log."""

    def __init__(self, fmt: str, *, verbose: bool, secrets: list[str] | None = None) -> None:
        super().__init__(fmt)
        self.verbose = verbose
        self.secrets = list(secrets or [])

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)

    def formatException(self, ei: Any) -> str:
        exc, chain = ei[1], list[BaseException]()
        while exc is not None and len(chain) < 10:
            chain.append(exc)
            exc = exc.__cause__ or exc.__context__
        sql = next((e for e in chain if isinstance(e, StatementError)), None)
        if self.verbose or sql is None:
            return super().formatException(ei)
        return (f"{type(ei[1]).__name__}: {error_line(sql)} "
                "(run with -v for the statement and the traceback)")

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        return text if self.verbose else _SQL_DETAIL.sub("", text)


_SQL_DETAIL = re.compile(r"\n\[SQL: .*?(?:\(Background on this error at: [^)]*\)|$)", re.S)
# What every LogRecord has; anything else on a record came as `extra=` and is logged too.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName"}


class JsonLogFormatter(LogFormatter):
    """LOG_FORMAT=json: one JSON object per line (time, level, logger, message, the record's
    extra fields, the exception), redacted like the text format."""

    def __init__(self, *, verbose: bool, secrets: list[str] | None = None) -> None:
        super().__init__("%(message)s", verbose=verbose, secrets=secrets)

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if not self.verbose:
            message = _SQL_DETAIL.sub("", message)
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": message}
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = value if isinstance(value, (int, float, bool, type(None))) \
                    else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, ensure_ascii=False), self.secrets)


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?://|[^\\/])")


def _is_url(arg: str) -> bool:
    """`https://…` (or any `scheme:` other than a Windows drive letter): fetched, not read."""
    return bool(_URL.match(arg)) and not re.match(r"^[A-Za-z]:[\\/]", arg)


def _existing(ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
              ) -> tuple[str, ...]:
    for value in values:
        if not _is_url(value) and not Path(value).exists() and not Path(value).is_symlink():
            raise click.BadParameter(f"Path '{value}' does not exist.", ctx=ctx)
    return values


def fetch_policy(settings: Settings) -> FetchPolicy:
    """How pages may be fetched: IMPORT_ALLOW_HOSTS may resolve to private addresses."""
    return FetchPolicy(allow_hosts=parse_hosts(settings.import_allow_hosts))


def _fetch(url: str, policy: FetchPolicy) -> RemoteReport | Rejected:
    try:
        return fetch_report(url, policy)
    except (FetchError, ReportError) as exc:
        return Rejected.of(url, str(exc))


@cli.command("import")
@click.argument("paths", nargs=-1, type=str, callback=_existing, metavar="[PATH-OR-URL]...")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--dry-run", is_flag=True,
              help="Show what would be stored, with warnings, and change nothing.")
@click.option("--prune", is_flag=True,
              help="Also forget reports under the given folders whose files are gone.")
@db_option
def import_cmd(paths: tuple[str, ...], as_json: bool, dry_run: bool, prune: bool,
               db_url: str | None) -> None:
    """Import report files, folders or page URLs (default: content/).

    A page is fetched safely (http/https, public addresses unless IMPORT_ALLOW_HOSTS names
    the host, 5 MB, 10 s) and stored under its URL: importing it again replaces it."""
    if not paths:
        default = Path("content")
        paths = (str(default) if default.is_dir() else str(bundled_content_dir()),)
    urls = [p for p in paths if _is_url(p)]
    paths = tuple(p for p in paths if not _is_url(p))
    policy = fetch_policy(load_settings()) if urls else FetchPolicy()
    if dry_run:
        _dry_run(paths, as_json, [_fetch(u, policy) for u in urls])
        return
    with open_store(db_url) as (_engine, sessions):
        result = ImportResult()
        if paths:
            files, _missing = collect_files(paths)
            show_bar = sys.stderr.isatty() and not as_json and len(files) > 1
            if show_bar:
                # The bar counts files as the importer reports them; it is not iterated.
                with click.progressbar(files, label="Importing", file=sys.stderr,
                                       item_show_func=lambda p: Path(p).name if p else ""
                                       ) as bar:

                    def advance(path: str) -> None:
                        bar.update(1, path)

                    result = import_paths(sessions, paths, prune=prune, progress=advance)
            else:
                result = import_paths(sessions, paths, prune=prune)
        for url in urls:
            fetched = _fetch(url, policy)
            if isinstance(fetched, Rejected):
                result.files += 1
                result.rejected.append(fetched)
                continue
            one = import_report(sessions, fetched.data, fetched.parsed, ident=fetched.ident,
                                given=fetched.given, keep=(fetched.name, fetched.text))
            result.files += one.files
            result.imported += one.imported
            result.unchanged += one.unchanged
            result.rejected += one.rejected
            result.warnings.update(one.warnings)
            result.events, result.talks = one.events, one.talks
    if as_json:
        _echo_json(result.as_dict())
    else:
        click.echo(f"{result.files} files: {result.imported} imported, "
                   f"{result.unchanged} unchanged, {len(result.rejected)} rejected; "
                   f"the store holds {result.events} events and {result.talks} talks.")
        for path in result.forgotten or ():
            click.echo(f"forgot {path} (the file is gone)")
        for r in result.rejected:
            click.echo(f"rejected {r.path}: {r.error}", err=True)
        for r in result.skipped:
            click.echo(f"skipped {r.path}: {r.error}", err=True)
    sys.exit(1 if result.rejected else 0)


@cli.command("forget")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@db_option
def forget_cmd(paths: tuple[str, ...], as_json: bool, db_url: str | None) -> None:
    """Remove reports (files or folders, also when the files are gone) and only their part
    of events and talks; what other reports say of the same event stays."""
    with open_store(db_url) as (_engine, sessions):
        result = forget_paths(sessions, paths)
    if as_json:
        _echo_json(result.as_dict())
    else:
        for path in result.forgotten:
            click.echo(f"forgot {path}")
        n = len(result.forgotten)
        click.echo(f"{n} report{'s' if n != 1 else ''} forgotten; the store holds "
                   f"{result.events} events and {result.talks} talks.")
        for path in result.unknown:
            click.echo(f"no report in the store is {path}", err=True)
    sys.exit(1 if result.unknown else 0)


def _preview_dict(p: Preview) -> dict[str, Any]:
    assert p.report is not None
    ev = p.report.event
    event = {"name": ev.name, "date": ev.date.isoformat() if ev.date else None}
    talks = [{"title": t.title, "speakers": list(t.speakers), "handles": list(t.handles),
              "affiliations": list(t.affiliations), "event": event, "source": p.path,
              "summary": t.summary, "has_notes": t.has_notes, "url": t.url or ev.url}
             for t in p.report.talks]
    return {"path": p.path, "event": event, "talks": talks, "warnings": list(p.report.warnings)}


def _dry_run(paths: tuple[str, ...], as_json: bool,
             pages: list[RemoteReport | Rejected] | None = None) -> None:
    """`import --dry-run`: parse every file and page, print what would be stored, store
    nothing."""
    previews, missing = preview_paths(paths) if paths else ([], [])
    for page in pages or []:
        if isinstance(page, Rejected):
            previews.append(Preview(page.path, error=page.error))
        else:
            previews.append(Preview(page.given, report=page.parsed))
    rejected_dicts = [{"path": r.path, "error": r.error} for r in missing] + [
        {"path": p.path, "error": p.error} for p in previews if p.error is not None]
    good = [p for p in previews if p.report is not None]
    if as_json:
        _echo_json({"files": len(previews), "imported": 0, "unchanged": 0,
                    "rejected": rejected_dicts, "events": len(good),
                    "talks": sum(len(p.report.talks) for p in good if p.report),
                    "reports": [_preview_dict(p) for p in good]})
    else:
        for p in good:
            assert p.report is not None
            ev = p.report.event
            click.echo(f"{p.path}")
            click.echo(f"  event: {ev.name} ({ev.date.isoformat() if ev.date else 'no date'})")
            for n, t in enumerate(p.report.talks, 1):
                people = ", ".join(t.speakers or t.handles) or "no speaker"
                org = f" ({', '.join(t.affiliations)})" if t.affiliations else ""
                click.echo(f"  {n:2}. {t.title} — {people}{org}")
            for w in p.report.warnings:
                click.echo(f"  warning: {w}")
        total = sum(len(p.report.talks) for p in good if p.report)
        click.echo(f"dry run, nothing stored: {len(previews)} files would give {len(good)} "
                   f"events and {total} talks; {len(rejected_dicts)} rejected.")
        for r in rejected_dicts:
            click.echo(f"rejected {r['path']}: {r['error']}", err=True)
    sys.exit(1 if rejected_dicts else 0)


@cli.command("talks")
@click.option("--json", "as_json", is_flag=True, help="Print the talks as JSON.")
@db_option
def talks_cmd(as_json: bool, db_url: str | None) -> None:
    """List every talk in the store."""
    with open_store(db_url) as (_engine, sessions), sessions() as session:
        talks = [talk_dict(t) for t in list_talks(session)]
    if as_json:
        _echo_json(talks)
        return
    if not talks:
        click.echo("The store has no talks yet: run `meetup-bot import` first.")
        return
    for t in talks:
        who = ", ".join(t["speakers"]) or "-"
        date = t["event"]["date"] or "date unknown"
        click.echo(f"{t['id']:>5}  {t['title']}  —  {who}  [{t['event']['name']}, {date}]")


@cli.command("export")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@db_option
def export_cmd(directory: str, as_json: bool, db_url: str | None) -> None:
    """Write the store as canonical Markdown into DIR, one file per event.

    DIR may be new, empty or a previous export (whose files are replaced); a folder
    holding other files is refused and left as it is."""
    from store.export import ExportError, export_store

    with open_store(db_url) as (_engine, sessions):
        try:
            result = export_store(sessions, directory)
        except ExportError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except OSError as exc:
            raise click.ClickException(f"cannot write {directory}: {exc.strerror or exc}") from None
    if as_json:
        _echo_json(result.as_dict())
        return
    click.echo(f"exported {result.events} events, {result.talks} talks to {directory}")
    for name in result.removed:
        click.echo(f"removed {name} (its event is no longer in the store)", err=True)


@cli.command("ask")
@click.argument("text", nargs=-1)
@click.option("--channel", metavar="ID", default=None,
              help="Answer as in this channel (`week` shows its pick); default: outside any.")
@db_option
def ask_cmd(text: tuple[str, ...], channel: str | None, db_url: str | None) -> None:
    """Show what the bot would answer in Slack to `/meetup TEXT`."""
    # Slack is imported only by the commands that talk to it, so the others start fast.
    from bot.app import check_glossary, default_search
    from bot.digest import build_slack_digest
    from bot.handlers import Deps, answer
    from bot.terminal import render_blocks

    settings = load_settings()
    with open_store(db_url) as (_engine, sessions):
        try:
            check_glossary(settings)
            deps = Deps(sessions=sessions, search=default_search(settings.glossary),
                        language=settings.bot_language,
                        digest=build_slack_digest(settings, sessions, with_scheduler=False))
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        blocks, _fallback = answer(deps, " ".join(text), channel_id=channel)
    click.echo(render_blocks(blocks, color=sys.stdout.isatty()), nl=False)


@cli.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="HTTP port (default: $PORT, else 3000; 0 picks a free one).")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@db_option
def serve_cmd(port: int | None, host: str, db_url: str | None) -> None:
    """Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, else HTTP."""
    from bot.app import (
        answer_worker,
        build_app,
        build_deps,
        build_web_client,
        check_glossary,
        check_slack,
        lazy_work_drained,
        require_slack_settings,
        socket_mode,
    )
    from bot.digest import ScheduleError, build_slack_digest, ensure_settings_subscription
    from bot.metrics import Metrics
    from bot.notes import content_folders, import_content, schedule_reimport
    from bot.server import SlackWSGI, announce, run, store_health

    settings = load_settings()
    try:
        mode = require_slack_settings(settings)
        check_glossary(settings)
        folders = content_folders(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    # What the notes' imports did is worth a line even without -v.
    logging.getLogger("meetup_bot.notes").setLevel(logging.INFO)
    url = db_url or settings.database_url
    metrics = Metrics()  # this app's own registry: GET /metrics
    with open_store(url) as (_engine, sessions):
        try:
            check_slack(settings)
            # Before the app answers anyone: the notes as they are now (rejected files are
            # logged; the others are imported and the server starts all the same).
            import_content(settings, sessions, folders, metrics=metrics)
            ensure_settings_subscription(settings, sessions)
            digest = build_slack_digest(settings, sessions, with_scheduler=True,
                                        metrics=metrics)
            deps = build_deps(settings, sessions, digest=digest, metrics=metrics)
            app = build_app(settings, sessions, build_web_client(settings, metrics), deps=deps,
                            socket_mode=mode == "socket", metrics=metrics)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        except ScheduleError as exc:
            raise click.ClickException(f"DIGEST_CRON/DIGEST_TIMEZONE: {exc}") from None
        health = store_health(sessions)
        port = settings.port if port is None else port
        scheduler = digest.scheduler
        assert scheduler is not None
        schedule_reimport(scheduler.scheduler, settings, sessions, metrics)
        scheduler.start()  # the digest jobs, and at once any young digest missed while down
        try:
            with answer_worker(deps, url, metrics=metrics) as offload, lazy_work_drained(app):
                deps.offload = offload
                if mode == "socket":
                    assert settings.slack_app_token is not None
                    run(SlackWSGI(None, None, health, metrics), host=host, port=port,
                        services=[socket_mode(app, settings.slack_app_token)],
                        on_listen=announce("Socket Mode connected; health check",
                                           as_json=settings.log_format == "json"))
                else:
                    run(SlackWSGI(app, settings.slack_signing_secret, health, metrics), host=host,
                        port=port, on_listen=announce("HTTP mode",
                                                      as_json=settings.log_format == "json"))
        finally:
            scheduler.shutdown()


@cli.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True,
              help="How many talks to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the talks as JSON.")
@db_option
def search_cmd(query: tuple[str, ...], limit: int, as_json: bool, db_url: str | None) -> None:
    """Ranked talks for QUERY, best first (typos, Japanese and English, k8s = Kubernetes)."""
    from store.errors import GlossaryError
    from store.search import load_glossary, search_talks

    text = " ".join(query)
    glossary_path = load_settings().glossary
    try:
        glossary = load_glossary(glossary_path) if glossary_path else None
    except GlossaryError as exc:
        raise click.ClickException(f"GLOSSARY: {exc}") from None
    with open_store(db_url) as (_engine, sessions), sessions() as session:
        result = search_talks(session, text, limit=limit, glossary=glossary)
        talks = [{**talk_dict(h.talk), "score": h.score} for h in result.hits]
        snippets = [h.snippet for h in result.hits]
    if as_json:
        _echo_json(talks)
        return
    if not talks:
        click.echo(f"No talk matches {text!r}.")
        if result.suggestions:
            click.echo("Did you mean: " + ", ".join(result.suggestions) + "?")
        return
    click.echo(f"{result.total} talks match; the best {len(talks)}:")
    for t, snippet in zip(talks, snippets, strict=True):
        who = ", ".join(t["speakers"]) or "-"
        date = t["event"]["date"] or "date unknown"
        click.echo(f"{t['id']:>5}  {t['title']}  —  {who}  [{t['event']['name']}, {date}]")
        if snippet:
            click.echo(f"       {snippet}")


@cli.command("digest")
@click.option("--channel", metavar="ID", help="Channel to post to (default: DIGEST_CHANNEL and "
              "every subscribed channel).")
@click.option("--dry-run", is_flag=True, help="Print the pick without calling Slack.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@db_option
def digest_cmd(channel: str | None, dry_run: bool, as_json: bool, db_url: str | None) -> None:
    """Pick the talk of the week and post it (one round, by hand)."""
    from bot.digest import (
        ScheduleError,
        digest_client,
        ensure_settings_subscription,
        make_digest_service,
    )

    settings = load_settings()
    if not dry_run and not settings.slack_bot_token:
        raise click.ClickException("SLACK_BOT_TOKEN is not set: posting needs the bot token "
                                   "(or use --dry-run)")
    with open_store(db_url) as (_engine, sessions):
        try:
            ensure_settings_subscription(settings, sessions)
        except ScheduleError as exc:
            raise click.ClickException(f"DIGEST_CRON/DIGEST_TIMEZONE: {exc}") from None
        client = None if dry_run else digest_client(settings.slack_bot_token or "",
                                                    settings.slack_api_url)
        service = make_digest_service(settings, sessions, client)
        channels = [channel] if channel else [c for c, _cron, _tz in service.channels()]
        if dry_run:
            targets: list[str | None] = [*channels] or [None]
            outcomes = [service.preview(c) for c in targets]
        elif channels:
            outcomes = [service.run(c) for c in channels]
        else:
            raise click.ClickException("no channel: give --channel, set DIGEST_CHANNEL or "
                                       "subscribe a channel with /meetup subscribe")
        results = [o.as_dict() for o in outcomes]
    if as_json:
        _echo_json(results[0] if len(results) == 1 else results)
    else:
        for o in outcomes:
            title = o.talk.title if o.talk else "(no talk with notes in the store)"
            state = ("posted" if o.posted else "would post" if dry_run else "not posted")
            extra = f" ({o.note})" if o.note and not o.posted else ""
            click.echo(f"{o.channel}: {state}: {title}{extra}")
            for r in o.related:
                click.echo(f"    related: {r.title} [{r.event.name}]")
    sys.exit(1 if any(o.failed for o in outcomes) else 0)


@cli.group("db")
def db_group() -> None:
    """Manage the store's schema."""


@db_group.command("upgrade")
@db_option
def db_upgrade_cmd(db_url: str | None) -> None:
    """Bring the schema to the newest Alembic revision."""
    with open_store(db_url, migrate=False) as (engine, _sessions):
        upgrade(engine)
    click.echo("The store's schema is up to date.")
