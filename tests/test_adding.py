"""bot.adding and the add command's parsing: the URL as pasted, the language, who may, why not."""

from __future__ import annotations

import pytest

import store.fetch as fetch_mod
from bot.adding import AddPolicy, why
from bot.handlers import add_target, parse_command
from bot.i18n import LABELS
from store.errors import LoginPage, NoTalkFound, ReportError


@pytest.mark.parametrize(("text", "url"), [
    ("add <https://example.com/r?a=1&amp;b=2>", "https://example.com/r?a=1&b=2"),
    ("add <https://example.com/r|example.com/r>", "https://example.com/r"),
    ("add https://example.com/plain", "https://example.com/plain"),
    ("<@UBOT> add <http://wiki.intra/x>", "http://wiki.intra/x"),
    ("追加 https://example.com/ja", "https://example.com/ja"),
    ("add", ""),
    ("add not-a-url", "not-a-url"),
])
def test_add_target(text: str, url: str) -> None:
    assert parse_command(text).name == "add"
    assert add_target(text) == url


def test_add_policy_from_setting() -> None:
    assert AddPolicy.from_setting("*").everyone and AddPolicy.from_setting(None).everyone
    policy = AddPolicy.from_setting("U0A,S0G,W0B")
    assert not policy.everyone and policy.users == {"U0A", "W0B"} and policy.groups == {"S0G"}
    assert policy.describe("en") == "these members: <@U0A>, <@W0B>, <!subteam^S0G>"


def _errors() -> list[Exception]:
    out: list[Exception] = []
    for name in dir(fetch_mod):
        cls = getattr(fetch_mod, name)
        if isinstance(cls, type) and issubclass(cls, fetch_mod.FetchError):
            args = ("reason", 500) if issubclass(cls, fetch_mod.HttpStatusError) else ("reason",)
            out.append(cls(*args))
    return [*out, LoginPage("x"), NoTalkFound("x"), ReportError("binary file, not a text report"),
            ReportError("undecodable bytes"), ReportError("odd")]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_why_has_a_label_for_every_refusal(lang: str) -> None:
    labels = set(LABELS[lang].values())
    for exc in _errors():
        for file in (False, True):
            reason = why(exc, lang, file=file)  # type: ignore[arg-type]
            assert reason and "reason" not in reason
            assert reason in labels or "500" in reason


def test_a_logged_url_keeps_neither_user_info_nor_query() -> None:
    from bot.adding import _loggable

    assert _loggable("https://ghp_secret@wiki.example:8443/a/b?token=x") == (
        "https://wiki.example:8443/a/b")
