"""A fake Socket Mode endpoint on 127.0.0.1: a minimal RFC 6455 server that sends envelopes."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    """Accepts the bot's WebSocket, sends it envelopes, and records what it sends back (acks)."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self._listener.settimeout(0.2)
        self.received: list[dict[str, Any]] = []
        self.connections = 0
        self._conn: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fake-socket-mode")

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                self._send_frame(conn, OP_CLOSE, struct.pack("!H", 1000))
            conn.close()
        self._listener.close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------ test side

    def wait_connected(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._conn is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def send(self, envelope: dict[str, Any]) -> None:
        conn = self._conn
        assert conn is not None, "the bot is not connected"
        self._send_frame(conn, OP_TEXT, json.dumps(envelope).encode())

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.received:
                    if message.get("envelope_id") == envelope_id:
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    # ------------------------------------------------------------ server side

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(None)
        try:
            if not self._handshake(conn):
                conn.close()
                return
            with self._cond:
                self._conn = conn
                self.connections += 1
                self._cond.notify_all()
            self._send_frame(conn, OP_TEXT, json.dumps(
                {"type": "hello", "num_connections": 1,
                 "debug_info": {"host": "fake"}, "connection_info": {"app_id": "A0001"}}).encode())
            while not self._stop.is_set():
                frame = self._read_frame(conn)
                if frame is None:
                    break
                opcode, payload = frame
                if opcode == OP_PING:
                    self._send_frame(conn, OP_PONG, payload)
                elif opcode == OP_CLOSE:
                    self._send_frame(conn, OP_CLOSE, payload[:2])
                    break
                elif opcode == OP_TEXT:
                    try:
                        message = json.loads(payload.decode())
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        message = {"_raw": payload.decode(errors="replace")}
                    with self._cond:
                        self.received.append(message)
                        self._cond.notify_all()
        except OSError:
            pass
        finally:
            with self._cond:
                if self._conn is conn:
                    self._conn = None
            conn.close()

    @staticmethod
    def _handshake(conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return False
            data += chunk
        headers = {}
        for line in data.split(b"\r\n")[1:]:
            if b":" in line:
                k, v = line.split(b":", 1)
                headers[k.strip().lower().decode()] = v.strip().decode()
        key = headers.get("sec-websocket-key")
        if not key or headers.get("upgrade", "").lower() != "websocket":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        return True

    @staticmethod
    def _recv_exact(conn: socket.socket, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def _read_frame(self, conn: socket.socket) -> tuple[int, bytes] | None:
        head = self._recv_exact(conn, 2)
        if head is None:
            return None
        opcode = head[0] & 0x0F
        masked = head[1] & 0x80
        length = head[1] & 0x7F
        if length == 126:
            raw = self._recv_exact(conn, 2)
            if raw is None:
                return None
            length = struct.unpack("!H", raw)[0]
        elif length == 127:
            raw = self._recv_exact(conn, 8)
            if raw is None:
                return None
            length = struct.unpack("!Q", raw)[0]
        mask = self._recv_exact(conn, 4) if masked else b"\0\0\0\0"
        payload = self._recv_exact(conn, length) if length else b""
        if mask is None or payload is None:
            return None
        return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def _send_frame(self, conn: socket.socket, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([n])
        elif n < 1 << 16:
            header += bytes([126]) + struct.pack("!H", n)
        else:
            header += bytes([127]) + struct.pack("!Q", n)
        with self._send_lock:
            conn.sendall(header + payload)
