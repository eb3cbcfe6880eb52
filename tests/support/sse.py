"""Reading /v1/events/stream over a real TCP connection, as an EventSource would.

A raw HTTP/1.1 client (chunked decoding included) on a background thread: unlike a pooled
HTTP client, closing it really closes the socket, which the server's stream caps depend on.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from urllib.parse import urlencode, urlsplit


class Stream:
    """One SSE connection; `block()` returns the next blank-line-terminated block in order."""

    def __init__(self, base_url: str, token: str | None = None, *, headers: dict | None = None,
                 params: dict | None = None) -> None:
        url = urlsplit(base_url)
        extra = dict(headers or {})
        if token:
            extra["Authorization"] = f"Bearer {token}"
        path = "/v1/events/stream" + ("?" + urlencode(params) if params else "")
        lines = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "Accept: text/event-stream",
                 *(f"{k}: {v}" for k, v in extra.items())]
        self.sock = socket.create_connection((url.hostname, url.port), timeout=10)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.file = self.sock.makefile("rb")
        status_line = self.file.readline().decode()
        self.status_code = int(status_line.split()[1])
        self.headers: dict[str, str] = {}
        while (line := self.file.readline().decode().rstrip("\r\n")):
            key, _, value = line.partition(":")
            self.headers[key.strip().lower()] = value.strip()
        self.blocks: queue.Queue = queue.Queue()
        self.raw: list[str] = []
        self.body = b""
        self.sock.settimeout(None)
        if self.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = self.file.read(int(self.headers.get("content-length", "0")))

    def json(self) -> dict:
        return json.loads(self.body)

    def _chunks(self):
        while True:
            size = int(self.file.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                return
            data = self.file.read(size)
            self.file.readline()
            yield data.decode()

    def _read(self) -> None:
        buffer = ""
        try:
            for chunk in self._chunks():
                self.raw.append(chunk)
                buffer += chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    self.blocks.put(block)
        except (OSError, ValueError):  # closed by the test
            pass

    def block(self, timeout: float = 5) -> str:
        return self.blocks.get(timeout=timeout)

    def event(self, timeout: float = 5) -> tuple[str, str, dict]:
        """The next event block as (id, type, data), skipping comments."""
        deadline = time.monotonic() + timeout
        while True:
            block = self.block(max(0.01, deadline - time.monotonic()))
            if block.startswith(":"):
                continue
            lines = block.split("\n")
            assert [line.split(": ", 1)[0] for line in lines] == ["id", "event", "data"], block
            return lines[0][4:], lines[1][7:], json.loads(lines[2][6:])

    def events_until(self, event_id: str, timeout: float = 5) -> list[tuple[str, str, dict]]:
        seen = []
        while not seen or seen[-1][0] != event_id:
            seen.append(self.event(timeout))
        return seen

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
