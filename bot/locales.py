"""Each Slack user's locale (users.info with include_locale), cached per user for a while."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger("meetup_bot.slack")

LOCALE_TTL_SECONDS = 3600.0  # a user who changes their Slack language sees it within the hour
FAILED_TTL_SECONDS = 300.0  # after a failed look-up, ask again only after this long


class UserLocales:
    """`locale(client, user)`: the user's Slack locale (`ja-JP`, `en-US` …) or None.

    One users.info call per user per TTL; a failure (missing `users:read`, rate limit,
    Slack down) answers None, so the caller falls back to its default, and is logged once
    per process at debug level: it is not worth a warning on every answer.
    """

    def __init__(self, *, ttl: float = LOCALE_TTL_SECONDS,
                 failed_ttl: float = FAILED_TTL_SECONDS, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._failed_ttl = failed_ttl
        self._max = max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, str | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._failure_logged = False

    def locale(self, client: WebClient | None, user_id: str | None) -> str | None:
        if client is None or not user_id:
            return None
        now = self._clock()
        with self._lock:
            cached = self._cache.get(user_id)
            if cached is not None and cached[0] > now:
                return cached[1]
        found, ok = self._look_up(client, user_id)
        with self._lock:
            self._cache[user_id] = (now + (self._ttl if ok else self._failed_ttl), found)
            self._cache.move_to_end(user_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return found

    def _look_up(self, client: WebClient, user_id: str) -> tuple[str | None, bool]:
        try:
            resp = client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            if not self._failure_logged:
                self._failure_logged = True
                reason = (exc.response.get("error") if isinstance(exc, SlackApiError)
                          and exc.response is not None else type(exc).__name__)
                log.debug("users.info failed (%s): answering in the default language", reason)
            return None, False
        user = resp.get("user") or {}
        locale = user.get("locale") if isinstance(user, dict) else None
        return (locale if isinstance(locale, str) and locale else None), True
