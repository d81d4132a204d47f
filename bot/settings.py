"""Settings from the environment or `meetup-bot.yaml`; the only reader of os.environ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from store.db import DEFAULT_URL


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line and never holds a secret."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    port: int = 3000
    digest_channel: str | None = None
    digest_cron: str = "0 9 * * mon"
    digest_timezone: str = "Asia/Tokyo"
    # `ja` or `en`: every answer in that language; unset: each user's Slack locale.
    bot_language: str | None = None
    # A digest missed while no copy ran is still posted at start-up within this many hours.
    digest_grace_hours: float = 12.0
    # A digest claim without a post is taken over by another copy after this many seconds.
    digest_claim_timeout: int = 300
    # Folders (separated by ':') that `serve` imports at start, with pruning; unset: the
    # bundled notes.
    content_dir: str | None = None
    # Seconds between re-imports of content_dir while serving; None: only at start.
    import_interval: int | None = None
    # The search glossary (YAML `synonyms:`); unset: content/glossary.yaml of the working
    # directory, else the bundled one.
    glossary: str | None = None
    # Who may add reports from Slack: '*' (everyone) or Slack user / user-group ids, separated
    # by commas or spaces.
    import_users: str = "*"
    # Hosts (comma-separated names) that `add URL` may fetch although they resolve to private
    # addresses: an intranet wiki. Cloud metadata addresses stay refused.
    import_allow_hosts: str | None = None
    # "text" (one line per record) or "json" (one JSON object per line, for log collectors)
    log_format: str = "text"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, yaml_path: str | Path | None = None
    ) -> Settings:
        """Environment variables win over `meetup-bot.yaml` (same keys in lower case)."""
        environ = os.environ if environ is None else environ
        path = Path(yaml_path) if yaml_path is not None else Path("meetup-bot.yaml")
        from_file: dict[str, object] = {}
        if path.is_file():
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
                raise SettingsError(f"cannot read {path}: {type(exc).__name__}") from None
            if not isinstance(loaded, dict):
                raise SettingsError(f"{path} must hold 'key: value' lines")
            from_file = {str(k).lower(): v for k, v in loaded.items()}
        values: dict[str, object] = {}
        for f in fields(cls):
            raw: object = environ.get(f.name.upper())
            if raw is None or raw == "":
                raw = from_file.get(f.name)
            if raw is None or raw == "":
                continue
            if f.name == "log_format":
                values[f.name] = str(raw).strip().lower()
                if values[f.name] not in ("text", "json"):
                    raise SettingsError(f"LOG_FORMAT must be text or json, not {raw!r}")
            elif f.name == "bot_language":
                values[f.name] = _language(raw)
            elif f.name == "import_interval":
                values[f.name] = _interval(raw)
            elif f.name in ("import_users", "import_allow_hosts"):
                values[f.name] = _names(f.name, raw)
            elif f.name in ("port", "digest_claim_timeout", "digest_grace_hours"):
                convert = float if f.name == "digest_grace_hours" else int
                try:
                    number = convert(str(raw))
                except ValueError:
                    raise SettingsError(f"{f.name.upper()} must be a number, not {raw!r}") from None
                if number < 0:
                    raise SettingsError(f"{f.name.upper()} must not be negative")
                values[f.name] = number
            else:
                values[f.name] = str(raw)
        return cls(**values)  # type: ignore[arg-type]


_USER_OR_GROUP = re.compile(r"\*|[UWS][A-Z0-9]{2,}")
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|\[?[0-9a-f:.]+\]?", re.I)


def _names(name: str, raw: object) -> str:
    """IMPORT_USERS / IMPORT_ALLOW_HOSTS: names separated by commas or spaces (a YAML list
    too), each checked, so a typo fails at start instead of locking everyone out."""
    items = raw if isinstance(raw, list) else str(raw).replace(",", " ").split()
    names = [str(i).strip() for i in items if str(i).strip()]
    pattern = _USER_OR_GROUP if name == "import_users" else _HOST
    for item in names:
        if not pattern.fullmatch(item):
            what = ("'*' or Slack user (U…/W…) and user-group (S…) ids"
                    if name == "import_users" else "host names")
            raise SettingsError(f"{name.upper()} must list {what}, not {item[:60]!r}")
    return ",".join(names) or ("*" if name == "import_users" else "")


def _language(raw: object) -> str:
    """BOT_LANGUAGE: `ja` or `en` (a typo must not silently mean "each user's locale")."""
    value = str(raw).strip().lower()
    if value not in ("ja", "en"):
        raise SettingsError(f"BOT_LANGUAGE must be ja or en, not {raw!r}")
    return value


def _interval(raw: object) -> int | None:
    """IMPORT_INTERVAL: whole seconds; 0 turns re-importing off."""
    try:
        seconds = int(str(raw).strip())
    except ValueError:
        raise SettingsError(
            f"IMPORT_INTERVAL must be a whole number of seconds, not {raw!r}") from None
    if seconds < 0:
        raise SettingsError("IMPORT_INTERVAL must not be negative (0 or unset: import only "
                            "at start)")
    return seconds or None
