"""Starts `meetup-bot serve` as a real subprocess on 127.0.0.1 and finds the port it took."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
_LISTENING = re.compile(r"listening on http://[^:]+:(\d+)")


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return "".join(self.output)


def serve_env(**values: str) -> dict[str, str]:
    """The test's environment without any Slack or store settings, plus `values`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DIGEST_")) and k not in (
               "DATABASE_URL", "PORT", "BOT_LANGUAGE", "CONTENT_DIR", "IMPORT_INTERVAL", "LOG_FORMAT",
               "IMPORT_USERS", "IMPORT_ALLOW_HOSTS",
               "GLOSSARY")}
    env.update(values)
    env["PYTHONUNBUFFERED"] = "1"
    # The subprocess runs the code under test even when the tests run from another checkout.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@contextmanager
def serve(env: dict[str, str], *args: str, timeout: float = 30.0) -> Iterator[Served]:
    """`python -m bot serve --host 127.0.0.1 --port 0 ARGS`, stopped with SIGTERM afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    served = Served(proc, 0)
    found = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            served.output.append(line)
            match = _LISTENING.search(line)
            if match and not found.is_set():
                served.port = int(match.group(1))
                found.set()
        found.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not found.wait(timeout) or not served.port:
            raise RuntimeError(f"serve did not start: {served.stderr()[-2000:]}")
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def run_serve(env: dict[str, str], *args: str, timeout: float = 30.0
              ) -> subprocess.CompletedProcess[str]:
    """`serve` expected to stop by itself (bad settings)."""
    return subprocess.run([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                           "--port", "0", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 10.0) -> tuple[int, bytes, float]:
    """Status, body and seconds taken; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read(), time.perf_counter() - start
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), time.perf_counter() - start


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process from /proc, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # the name may hold spaces and brackets
    return int(fields[1]), fields[0]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (Linux /proc; zombies count as gone)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[1] != "Z":
            children.setdefault(stat[0], []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """The processes of `pids` that still run (not gone, not zombies)."""
    return {p for p in pids if (stat := _stat(p)) is not None and stat[1] != "Z"}
