"""A fake Slack Web API on 127.0.0.1: answers like Slack, records every call, fails on demand."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0001"
RESPONSE_PREFIX = "/response/"
FILES_PREFIX = "/files-pri/"  # url_private_download, served here as Slack's file host does

# Arguments that Slack's form encoding carries as JSON strings.
_JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass
class Call:
    """One request the fake received."""

    method: str  # the Web API method, or "response_url" for a webhook post
    body: dict[str, Any]
    headers: dict[str, str]
    path: str
    status: int = 200
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int = 1
    delay: float = 0.0  # answer (successfully) only after this many seconds: a client timeout


class FakeSlack:
    """`with FakeSlack() as slack:` then point WebClient(base_url=slack.base_url) at it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, list[Failure]] = {}
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self.socket_mode_url: str | None = None
        self.usergroups: dict[str, list[str]] = {}  # usergroups.users.list
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}  # files.info and downloads
        # users.info: user id -> Slack locale (`ja-JP`, `en-US` …); others are user_not_found
        self.locales: dict[str, str] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True,
                                        name="fake-slack")

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def response_url(self, name: str = "r1") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{RESPONSE_PREFIX}{name}"

    # ------------------------------------------------------------ control

    def add_file(self, file_id: str, name: str, data: bytes, *,
                 mimetype: str = "text/plain") -> dict[str, Any]:
        """A file shared in Slack: files.info describes it, its url_private_download (here)
        serves its bytes to a request with the bot token."""
        host, port = self.server.server_address[:2]
        info = {"id": file_id, "name": name, "title": name, "mimetype": mimetype,
                "filetype": name.rsplit(".", 1)[-1], "size": len(data), "user_team": TEAM_ID,
                "url_private": f"http://{host}:{port}{FILES_PREFIX}{TEAM_ID}-{file_id}/{name}",
                "url_private_download":
                    f"http://{host}:{port}{FILES_PREFIX}{TEAM_ID}-{file_id}/download/{name}"}
        self.files[file_id] = (info, data)
        return info

    def fail(self, method: str, *, status: int = 200, error: str | None = None,
             retry_after: int | None = None, times: int = 1, delay: float = 0.0) -> None:
        """The next `times` calls of `method` fail: HTTP `status` or `{"ok": false, error}`."""
        with self._cond:
            self._failures.setdefault(method, []).append(
                Failure(status, error, retry_after, times, delay))

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self._failures.clear()

    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and c.status == 200]

    def attempts(self, method: str) -> list[Call]:
        """Every call of `method`, failed ones included."""
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `count` successful calls of `method` arrived; the calls (maybe fewer)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and c.status == 200]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._cond.wait(remaining)

    def wait_until(self, predicate: Callable[[list[Call]], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(list(self.calls)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    # ------------------------------------------------------------ answers

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake",
                    "user": "meetup-bot", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID}
        if method == "users.info":
            user = str(body.get("user") or "")
            if user not in self.locales:
                return {"ok": False, "error": "user_not_found"}
            info: dict[str, Any] = {"id": user, "team_id": TEAM_ID, "name": user.lower(),
                                    "is_bot": False, "tz": "Asia/Tokyo"}
            if str(body.get("include_locale", "")).lower() in ("true", "1"):
                info["locale"] = self.locales[user]  # Slack sends it only when asked
            return {"ok": True, "user": info}
        if method == "conversations.history":
            posted = [c for c in self.of("chat.postMessage")
                      if c.body.get("channel") == body.get("channel") and "_ts" in c.body]
            messages = [
                {"type": "message", "ts": c.body["_ts"], "text": c.body.get("text"),
                 "bot_id": BOT_ID, **({"metadata": c.body["metadata"]}
                                      if c.body.get("metadata") else {})}
                for c in reversed(posted)]
            # pages, newest first, as Slack gives them (`limit`, `cursor`)
            start = int(str(body.get("cursor") or "0") or 0)
            size = int(str(body.get("limit") or "100"))
            page, more = messages[start:start + size], start + size < len(messages)
            return {"ok": True, "has_more": more, "messages": page,
                    "response_metadata": {"next_cursor": str(start + size) if more else ""}}
        if method in ("chat.postMessage", "chat.update"):
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            body["_ts"] = body.get("ts") or ts
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts") or ts,
                    "message": {"text": body.get("text"), "ts": ts}}
        if method == "conversations.join":
            channel = str(body.get("channel") or "")
            return {"ok": True, "channel": {"id": channel, "is_channel": True,
                                            "is_member": True}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V0001", **(body.get("view") or {})}}
        if method == "usergroups.users.list":
            if body.get("usergroup") not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.usergroups[body["usergroup"]])}
        if method == "files.info":
            found = self.files.get(str(body.get("file")))
            if found is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": found[0]}
        if method == "apps.connections.open":
            if not self.socket_mode_url:
                return {"ok": False, "error": "socket_mode_not_configured"}
            return {"ok": True, "url": self.socket_mode_url}
        return {"ok": True}

    def _take_failure(self, method: str) -> Failure | None:
        with self._cond:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = _parse_body(raw, self.headers.get("Content-Type", ""), parsed.query)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if parsed.path.startswith(FILES_PREFIX):
                    self._download(parsed.path, headers)
                    return
                if parsed.path.startswith(RESPONSE_PREFIX):
                    method = "response_url"
                else:
                    method = parsed.path.rsplit("/", 1)[-1]
                failure = fake._take_failure(method)
                call = Call(method, body, headers, parsed.path)
                late = 0.0
                if failure is not None and failure.delay:
                    late, failure = failure.delay, None  # Slack acts, then answers too late
                if failure is not None and failure.status != 200:
                    call.status = failure.status
                    fake._record(call)
                    extra = {"Retry-After": str(failure.retry_after)} \
                        if failure.retry_after is not None else {}
                    self._send(failure.status, {"ok": False, "error": "fake_failure"}, extra)
                    return
                if method == "response_url":
                    fake._record(call)
                    self._send_text(200, "ok")
                    return
                if failure is not None and failure.error:
                    call.status = 200
                    answer: dict[str, Any] = {"ok": False, "error": failure.error}
                    call.body["_answered_error"] = failure.error
                else:
                    auth = headers.get("authorization", "")
                    if not auth.startswith("Bearer x"):
                        answer = {"ok": False, "error": "not_authed"}
                    else:
                        answer = fake._answer(method, body)
                fake._record(call)
                if late:
                    time.sleep(late)
                self._send(200, answer)

            def _download(self, path: str, headers: dict[str, str]) -> None:
                fake._record(Call("download", {}, headers, path))
                file_id = path[len(FILES_PREFIX):].split("/")[0].split("-", 1)[-1]
                found = fake.files.get(file_id)
                if not headers.get("authorization", "").startswith("Bearer xoxb-"):
                    # Slack answers a download without the token with its login page
                    self._send_text(200, "<html><body><form><input type=password></form>"
                                         "</body></html>")
                    return
                if found is None:
                    self._send_text(404, "not found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", found[0].get("mimetype") or "text/plain")
                self.send_header("Content-Length", str(len(found[1])))
                self.end_headers()
                self.wfile.write(found[1])

            def _send(self, status: int, payload: dict[str, Any],
                      extra: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _send_text(self, status: int, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _parse_body(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    body: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type and text:
        loaded = json.loads(text)
        body.update(loaded if isinstance(loaded, dict) else {"_json": loaded})
    elif text:
        body.update({k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()})
    for key in _JSON_FIELDS:
        if isinstance(body.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                body[key] = json.loads(body[key])
    return body


# ---------------------------------------------------------------- requests as Slack sends them


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`, exactly as Slack signs a request."""
    import hashlib
    import hmac

    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded",
                   retry_num: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(secret, ts, body)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def command_body(text: str, response_url: str, *, user_id: str = "U0USER1",
                 channel_id: str = "C0CHAN1") -> bytes:
    from urllib.parse import urlencode

    return urlencode({
        "token": "legacy", "team_id": TEAM_ID, "team_domain": "fake", "channel_id": channel_id,
        "channel_name": "general", "user_id": user_id, "user_name": "someone",
        "command": "/meetup", "text": text, "api_app_id": "A0001", "is_enterprise_install":
        "false", "response_url": response_url, "trigger_id": "1.2.3",
    }).encode()


def action_body(action_id: str, value: str, response_url: str, *, user_id: str = "U0USER1",
                channel_id: str = "C0CHAN1", ephemeral: bool = True) -> bytes:
    from urllib.parse import urlencode

    payload = {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user_id, "username": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": "1700000000.000100",
                      "channel_id": channel_id, "is_ephemeral": ephemeral},
        "channel": {"id": channel_id, "name": "general"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button",
                     "text": {"type": "plain_text", "text": "x"}, "value": value,
                     "action_ts": "1700000000.000200"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_body(event: dict[str, Any], *, event_id: str = "Ev0001") -> bytes:
    return json.dumps({
        "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0001", "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }).encode()


def mention_event(text: str, *, ts: str = "1700000000.000300", channel: str = "C0CHAN1",
                  user: str = "U0USER1", thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}",
             "ts": ts, "channel": channel, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event
