"""Adding reports from Slack, end to end: signed requests to the HTTP endpoint, the fake Slack
Web API, and a local web server serving report pages written for these tests."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import store.search
from bot.adding import Adder, AddPolicy
from bot.app import build_app, build_deps, build_web_client
from bot.blocks import CANCEL_IMPORT, IMPORT_REPORT, UNDO_IMPORT, check_blocks
from bot.handlers import Deps
from bot.server import SlackWSGI, store_health
from bot.settings import Settings
from store.db import make_engine, make_sessionmaker, upgrade
from store.fetch import FetchPolicy
from store.models import PendingImport, RemoteVersion, Report, Talk
from tests.fakes.pages import Page, PageServer
from tests.fakes.process import http
from tests.fakes.slack_api import (
    BOT_USER_ID,
    FakeSlack,
    action_body,
    command_body,
    event_body,
    signed_headers,
)
from tests.test_server import Running

SECRET = "add-e2e-signing-secret"
TOKEN = "xoxb-add-e2e"
PAGES = Path(__file__).parent / "fixtures" / "pages"
HARBOR = (PAGES / "harbor-rust-7.html").read_bytes()
KELP = (PAGES / "kelp-infra-3.md").read_bytes()


@dataclasses.dataclass
class World:
    url: str
    slack: FakeSlack
    web: PageServer
    deps: Deps
    sessions: sessionmaker[Session]
    defaults: Adder

    @property
    def adder(self) -> Adder:
        assert self.deps.adder is not None
        return self.deps.adder


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('add') / 'store.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with FakeSlack() as slack, PageServer() as web:
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=slack.base_url.rstrip("/"))
        deps = build_deps(settings, sessions, search=store.search)  # type: ignore[arg-type]
        app = build_app(settings, sessions, build_web_client(settings), deps=deps)
        assert deps.adder is not None
        with Running(SlackWSGI(app, SECRET, store_health(sessions))) as running:
            yield World(running.url, slack, web, deps, sessions,
                        dataclasses.replace(deps.adder))
    engine.dispose()


@pytest.fixture(autouse=True)
def _fresh(world: World) -> Iterator[None]:
    """Each test starts with the settings' adder (nothing allowed but public hosts), an empty
    fake and the default pages; every message the bot sent is checked against Slack's limits."""
    world.deps.adder = dataclasses.replace(world.defaults)
    world.slack.reset()
    world.web.pages.clear()
    world.web.requests.clear()
    world.web.add("/blog/harbor-rust-7", Page(HARBOR))
    world.web.add("/notes/kelp-infra-3", Page(KELP, content_type="text/markdown"))
    yield
    for call in world.slack.calls:
        if "blocks" in call.body:
            assert check_blocks(call.body["blocks"]) == [], call.body


def _allow_local(world: World, **fetch: Any) -> None:
    world.adder.fetch = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), **fetch)


def _post(world: World, body: bytes, content_type: str = "application/x-www-form-urlencoded"
          ) -> None:
    status, answer, seconds = http("POST", world.url + "/slack/events", body,
                                   signed_headers(SECRET, body, content_type=content_type))
    assert status == 200 and seconds < 3.0, answer


def _answer(world: World, name: str) -> dict[str, Any]:
    assert world.slack.wait_until(lambda calls: any(c.path.endswith("/" + name)
                                                    for c in calls)), f"no answer {name}"
    [call] = [c for c in world.slack.calls if c.path.endswith("/" + name)]
    return call.body


def _add(world: World, url: str, name: str, *, user: str = "U0USER1") -> dict[str, Any]:
    _post(world, command_body(f"add <{url}>", world.slack.response_url(name), user_id=user))
    return _answer(world, name)


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body.get("blocks"), ensure_ascii=False)


def _button(body: dict[str, Any], action_id: str) -> str:
    for block in body["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {_text(body)}")


def _click(world: World, action_id: str, value: str, name: str, *, user: str = "U0USER1"
           ) -> dict[str, Any]:
    _post(world, action_body(action_id, value, world.slack.response_url(name), user_id=user))
    return _answer(world, name)


def _count(world: World, model: Any) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _titles(world: World) -> set[str]:
    with world.sessions() as session:
        return set(session.scalars(select(Talk.title)))


def test_add_preview_import_search_readd_and_undo(world: World) -> None:
    _allow_local(world)
    url = world.web.url("/blog/harbor-rust-7")
    preview = _add(world, url, "p1")
    text = _text(preview)
    assert preview["response_type"] == "ephemeral"
    assert "Harbor Rust Meetup #7" in text and "2026-10-17" in text
    assert "所有権で読み解く非同期ランタイム — 潮見 航" in text and "人気の記事" not in text
    assert "取り込む" in text and "やめる" in text  # Japanese by default
    assert _count(world, Report) == 0  # a preview stores no report

    done = _click(world, IMPORT_REPORT, _button(preview, IMPORT_REPORT), "i1")
    assert done["replace_original"] is True and "取り込みました" in _text(done)
    assert "トーク 3 件" in _text(done)
    with world.sessions() as session:
        [report] = session.scalars(select(Report))
        assert report.source == url
        hits = store.search.search_talks(session, "組込み Rust センサー", limit=3).hits
        assert hits and "灯台のセンサー" in hits[0].talk.title
    found = _command_answer(world, "WebAssembly ログ解析", "s1")
    assert "WebAssembly で動くログ解析パイプライン" in _text(found)

    # the same URL again, the page changed: that report is replaced
    world.web.add("/blog/harbor-rust-7", Page(HARBOR.replace(
        "WebAssembly で動くログ解析パイプライン".encode(), "wasm プラグインの権限設計".encode())))
    again = _add(world, url + "#top", "p2")
    _click(world, IMPORT_REPORT, _button(again, IMPORT_REPORT), "i2")
    assert _count(world, Report) == 1
    assert "wasm プラグインの権限設計" in _titles(world)
    assert "WebAssembly で動くログ解析パイプライン" not in _titles(world)

    # the same page once more, unchanged: nothing is stored, so there is nothing to undo
    # (an Undo here would remove the report that is already there)
    same = _add(world, url, "p3")
    kept = _click(world, IMPORT_REPORT, _button(same, IMPORT_REPORT), "i3")
    assert "変更はありません" in _text(kept) and UNDO_IMPORT not in json.dumps(kept)
    assert _count(world, Report) == 1

    # Undo of the first import, while the second version is stored: nothing is undone
    stale = _click(world, UNDO_IMPORT, _button(done, UNDO_IMPORT), "u0")
    assert "別の版が取り込まれた" in _text(stale)
    assert "wasm プラグインの権限設計" in _titles(world)

    # Undo of the import that replaced the page: the earlier version is back
    undone = _click(world, UNDO_IMPORT, _button(_answer(world, "i2"), UNDO_IMPORT), "u1")
    assert "以前の版" in _text(undone) and "Harbor Rust Meetup #7" in _text(undone)
    assert _count(world, Report) == 1
    assert "WebAssembly で動くログ解析パイプライン" in _titles(world)
    assert "wasm プラグインの権限設計" not in _titles(world)
    with world.sessions() as session:
        hits = store.search.search_talks(session, "wasm 権限", limit=3).hits
        assert not any("権限設計" in h.talk.title for h in hits)
    # and Undo of the first import, now current again, removes the report
    first = _click(world, UNDO_IMPORT, _button(done, UNDO_IMPORT), "u2")
    assert "取り消しました" in _text(first)
    assert _count(world, Report) == 0 and _titles(world) == set()
    with world.sessions() as session:
        assert session.scalar(select(func.count(RemoteVersion.id))) == 0
    gone = _click(world, UNDO_IMPORT, _button(_answer(world, "i2"), UNDO_IMPORT), "u3")
    assert "もうストアにありません" in _text(gone)


def _command_answer(world: World, text: str, name: str) -> dict[str, Any]:
    _post(world, command_body(text, world.slack.response_url(name)))
    return _answer(world, name)


def test_add_cancel_stores_nothing_and_a_second_click_finds_nothing(world: World) -> None:
    _allow_local(world)
    preview = _add(world, world.web.url("/notes/kelp-infra-3"), "c1")
    assert "Kelp Infra Night vol.3" in _text(preview) and _count(world, PendingImport) == 1
    pending = _button(preview, CANCEL_IMPORT)
    other = _click(world, IMPORT_REPORT, pending, "c2", user="U0OTHER")
    assert other["replace_original"] is False and "<@U0USER1>" in _text(other)
    cancelled = _click(world, CANCEL_IMPORT, pending, "c3")
    assert "何も保存していません" in _text(cancelled)
    assert _count(world, Report) == 0 and _count(world, PendingImport) == 0
    late = _click(world, IMPORT_REPORT, pending, "c4")
    assert "期限切れ" in _text(late) and _count(world, Report) == 0


def test_add_the_local_server_is_refused_unless_allowed(world: World) -> None:
    refused = _add(world, world.web.url("/blog/harbor-rust-7"), "l1")
    assert "IMPORT_ALLOW_HOSTS" in _text(refused) and "取り込めませんでした" in _text(refused)
    assert world.web.requests == [] and _count(world, PendingImport) == 0


@pytest.mark.parametrize(("setup", "url", "expect"), [
    ("none", "http://intranet.example/wiki", "社内・ローカル"),
    ("none", "http://meta.example/latest/meta-data/", "メタデータ"),
    ("none", "http://169.254.169.254/latest/meta-data/", "メタデータ"),
    ("redirect", "/jump", "社内・ローカル"),
    ("big", "/big", "大きすぎます"),
    ("slow", "/slow", "時間内"),
    ("pdf", "/doc.pdf", "HTML・Markdown・テキスト"),
    ("none", "/missing", "見つかりません"),
    ("login", "/members", "ログインが必要"),
    ("loginpage", "/signin", "ログインページ"),
    ("notreport", "/about", "トークが見つかりません"),
    ("binary", "/blob", "文字コード"),
    ("none", "ftp://example.com/report.md", "https://"),
])
def test_add_refusals_answer_briefly_and_store_nothing(world: World, setup: str, url: str,
                                                       expect: str) -> None:
    world.adder.resolve = _resolver
    _allow_local(world, max_bytes=4000, timeout=0.5)
    web = world.web
    pages = {
        "redirect": ("/jump", Page(b"", status=302, content_type=None,
                                   headers={"Location": "http://10.20.30.40/admin"})),
        "big": ("/big", Page(b"<html><body>" + b"x" * 5000 + b"</body></html>")),
        "slow": ("/slow", Page(HARBOR, trickle=0.01)),
        "pdf": ("/doc.pdf", Page(b"%PDF-1.7", content_type="application/pdf")),
        "login": ("/members", Page(b"<html>members only</html>", status=401)),
        "loginpage": ("/signin", Page(b"<html><body><h1>Sign in</h1><form><input name=u>"
                                      b"<input type=password name=p></form></body></html>")),
        "notreport": ("/about", Page("<html><body><h1>会社概要</h1><p>私たちは港町の小さな"
                                     "会社です。</p></body></html>".encode())),
        "binary": ("/blob", Page(bytes(range(256)) * 4, content_type="text/plain")),
    }
    if setup in pages:
        web.add(*pages[setup])
    target = web.url(url) if url.startswith("/") else url
    pending = _count(world, PendingImport)
    started = time.monotonic()
    answer = _add(world, target, f"x-{setup}-{abs(hash(url)) % 1000}")
    assert expect in _text(answer), _text(answer)
    assert "Traceback" not in _text(answer) and len(_text(answer)) < 800
    assert "actions" not in [b["type"] for b in answer["blocks"]]
    assert _count(world, Report) == 0 and _count(world, PendingImport) == pending
    assert time.monotonic() - started < 3.0


def _resolver(host: str, port: int) -> list[str]:
    table = {"intranet.example": ["10.0.0.5"], "meta.example": ["169.254.169.254"],
             "127.0.0.1": ["127.0.0.1"]}
    if host not in table:
        raise OSError("unknown host")
    return table[host]


def test_add_only_for_import_users_and_their_group(world: World) -> None:
    _allow_local(world)
    world.adder.policy = AddPolicy.from_setting("U0BOSS,S0EDITORS")
    world.slack.usergroups = {"S0EDITORS": ["U0EDITOR"]}
    refused = _add(world, world.web.url("/notes/kelp-infra-3"), "a1")
    assert "<@U0BOSS>" in _text(refused) and "<!subteam^S0EDITORS>" in _text(refused)
    assert world.web.requests == []
    preview = _add(world, world.web.url("/notes/kelp-infra-3"), "a2", user="U0EDITOR")
    assert _button(preview, IMPORT_REPORT)
    [call] = world.slack.of("usergroups.users.list")
    assert call.body["usergroup"] == "S0EDITORS"


def test_add_without_url_and_in_english(world: World) -> None:
    usage = _command_answer(world, "add", "h1")
    assert "/meetup add URL" in _text(usage)
    help_text = _text(_command_answer(world, "help", "h2"))
    assert "/meetup add URL" in help_text
    world.deps.language = "en"
    try:
        refused = _add(world, world.web.url("/blog/harbor-rust-7"), "h3")
        assert "Could not import it" in _text(refused)
    finally:
        world.deps.language = None


def _dm_file_events(file_id: str, n: int) -> list[bytes]:
    message = {"type": "message", "subtype": "file_share", "channel_type": "im",
               "channel": "D0DM1", "user": "U0USER1", "text": "", "ts": f"17000000{n}.0001",
               "files": [{"id": file_id}]}
    shared = {"type": "file_shared", "channel_id": "D0DM1", "file_id": file_id,
              "user_id": "U0USER1", "file": {"id": file_id}, "event_ts": f"17000000{n}.0002"}
    return [event_body(message, event_id=f"EvM{n}"), event_body(shared, event_id=f"EvF{n}")]


def test_a_question_with_a_screenshot_is_answered_not_imported(world: World) -> None:
    world.slack.add_file("F0SHOT", "shot.png", b"\x89PNG\r\n\x1a\n" + bytes(64))
    message = {"type": "message", "subtype": "file_share", "channel_type": "im",
               "channel": "D0DM1", "user": "U0USER1", "text": "kubernetes の監視",
               "ts": "1700000077.0001", "files": [{"id": "F0SHOT", "name": "shot.png"}]}
    shared = {"type": "file_shared", "channel_id": "D0DM1", "file_id": "F0SHOT",
              "user_id": "U0USER1", "file": {"id": "F0SHOT"}, "event_ts": "1700000077.0002"}
    for n, event in enumerate((message, shared)):
        _post(world, event_body(event, event_id=f"EvShot{n}"), "application/json")
    [post] = world.slack.wait_for("chat.postMessage")
    time.sleep(0.3)
    assert len(world.slack.of("chat.postMessage")) == 1  # the answer, not also a refusal
    assert ".md" not in _text(post.body) and not world.slack.of("download")


def test_a_file_sent_in_a_dm_is_previewed_once_and_imported(world: World) -> None:
    world.slack.add_file("F0KELP", "kelp-infra-3.md", KELP)
    for body in _dm_file_events("F0KELP", 1):
        _post(world, body, "application/json")
    [post] = world.slack.wait_for("chat.postMessage")
    time.sleep(0.3)
    assert len(world.slack.of("chat.postMessage")) == 1  # message.im and file_shared: once
    assert post.body["channel"] == "D0DM1" and "Kelp Infra Night vol.3" in _text(post.body)
    [download] = world.slack.of("download")
    assert download.headers["authorization"] == f"Bearer {TOKEN}"
    done = _click(world, IMPORT_REPORT, _button(post.body, IMPORT_REPORT), "f1")
    assert "取り込みました" in _text(done)
    with world.sessions() as session:
        assert list(session.scalars(select(Report.source))) == ["slack-file:T0001/F0KELP"]
    _click(world, UNDO_IMPORT, _button(done, UNDO_IMPORT), "f2")
    assert _count(world, Report) == 0


@pytest.mark.parametrize(("name", "data", "expect"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "`.md` / `.markdown` / `.txt` / `.html`"),
    ("notes.txt", bytes(range(256)) * 4, "テキストのファイルではありません"),
    ("memo.md", "牛乳と卵を買う。\n明日は雨らしい。\n".encode(), "トークが見つかりません"),
])
def test_a_bad_file_gets_a_short_answer(world: World, name: str, data: bytes, expect: str
                                        ) -> None:
    file_id = "F0" + name.split(".")[0].upper()
    world.slack.add_file(file_id, name, data)
    pending = _count(world, PendingImport)
    _post(world, _dm_file_events(file_id, 10 + len(file_id) * 7 + ord(name[0]))[0],
          "application/json")
    [post] = world.slack.wait_for("chat.postMessage")
    assert expect in _text(post.body) and _count(world, PendingImport) == pending
    assert _count(world, Report) == 0


def test_a_file_in_a_channel_needs_a_mention(world: World) -> None:
    world.slack.add_file("F0CHAN", "harbor.html", HARBOR, mimetype="text/html")
    shared = {"type": "file_shared", "channel_id": "C0CHAN1", "file_id": "F0CHAN",
              "user_id": "U0USER1", "event_ts": "1700000099.0001"}
    _post(world, event_body(shared, event_id="EvC1"), "application/json")
    time.sleep(0.4)
    assert world.slack.of("files.info") == []
    mention = {"type": "app_mention", "user": "U0USER1", "text": f"<@{BOT_USER_ID}> これ",
               "ts": "1700000099.0002", "channel": "C0CHAN1", "files": [{"id": "F0CHAN"}]}
    _post(world, event_body(mention, event_id="EvC2"), "application/json")
    [post] = world.slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "1700000099.0002"
    assert "Harbor Rust Meetup #7" in _text(post.body)


def test_a_file_url_off_slack_is_not_downloaded(world: World) -> None:
    info = world.slack.add_file("F0ODD", "odd.md", KELP)
    info["url_private_download"] = world.web.url("/notes/kelp-infra-3")  # not Slack's host
    _post(world, _dm_file_events("F0ODD", 7)[0], "application/json")
    [post] = world.slack.wait_for("chat.postMessage")
    assert "ファイルを取得できませんでした" in _text(post.body) and world.web.requests == []


def test_app_home_says_who_may_add(world: World) -> None:
    world.adder.policy = AddPolicy.from_setting("U0BOSS")
    _post(world, event_body({"type": "app_home_opened", "user": "U0USER1", "tab": "home"},
                            event_id="EvH1"), "application/json")
    [publish] = world.slack.wait_for("views.publish")
    assert "レポートを追加できる人" in json.dumps(publish.body["view"], ensure_ascii=False)
    assert "<@U0BOSS>" in json.dumps(publish.body["view"])


def test_mention_add_answers_in_the_thread(world: World) -> None:
    _allow_local(world)
    url = world.web.url("/notes/kelp-infra-3")
    mention = {"type": "app_mention", "user": "U0USER1", "channel": "C0CHAN1",
               "text": f"<@{BOT_USER_ID}> add <{url}>", "ts": "1700000200.0001"}
    _post(world, event_body(mention, event_id="EvMA1"), "application/json")
    [post] = world.slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "1700000200.0001"
    assert "Kelp Infra Night vol.3" in _text(post.body) and _button(post.body, IMPORT_REPORT)


def test_undo_needs_an_import_user(world: World) -> None:
    _allow_local(world)
    preview = _add(world, world.web.url("/notes/kelp-infra-3"), "n1")
    done = _click(world, IMPORT_REPORT, _button(preview, IMPORT_REPORT), "n2")
    world.adder.policy = AddPolicy.from_setting("U0USER1")
    refused = _click(world, UNDO_IMPORT, _button(done, UNDO_IMPORT), "n3", user="U0STRANGER")
    assert refused["replace_original"] is False and "<@U0USER1>" in _text(refused)
    assert _count(world, Report) == 1
    _click(world, UNDO_IMPORT, _button(done, UNDO_IMPORT), "n4")
    assert _count(world, Report) == 0
