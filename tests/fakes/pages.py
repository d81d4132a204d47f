"""A web server on 127.0.0.1 serving report pages (and hostile answers) that a test sets up."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    trickle: float = 0.0  # seconds between bytes: a slow server
    length: int | None = None  # a Content-Length to claim instead of the body's; -1: none


class PageServer:
    """`with PageServer() as web:` then `web.add("/path", Page(...))`; `web.url("/path")`."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True, name="fake-web")

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, page: Page) -> str:
        self.pages[path] = page
        return self.url(path)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                web.requests.append({"path": self.path,
                                     "headers": {k.lower(): v for k, v in self.headers.items()}})
                page = web.pages.get(self.path.split("?")[0])
                if page is None:
                    page = Page(b"<html><body>not here</body></html>", status=404)
                self.send_response(page.status)
                if page.content_type:
                    self.send_header("Content-Type", page.content_type)
                length = page.length if page.length is not None else len(page.body)
                if length >= 0:
                    self.send_header("Content-Length", str(length))
                else:  # the body ends when the connection does
                    self.send_header("Connection", "close")
                    self.close_connection = True
                for k, v in page.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    if page.trickle:
                        for i in range(len(page.body)):
                            self.wfile.write(page.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(page.trickle)
                    else:
                        self.wfile.write(page.body)
                except OSError:
                    pass

        return Handler
