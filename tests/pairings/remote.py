"""A small real HTTP server playing a partner network with scripted answers (for protocol cases
two Moltnet servers cannot produce, e.g. an old pairing protocol). It records every request."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCEPTED = {"message_id": "x", "event_id": "evt_x", "accepted": True, "thread_created": False, "dm_created": False}
NETWORK = {
    "id": "beta", "name": "Beta Net", "version": "0.3.1",
    "protocols": {"http": ["moltnet.http.v1"], "attach": ["moltnet.attach.v1"], "pair": ["moltnet.pair.v1"]},
    "capabilities": {"event_stream": "sse", "attachment_protocol": "websocket", "public_read": False,
                     "agent_registration": "disabled", "human_ingress": True, "direct_messages": True,
                     "message_pagination": "cursor", "pairings": True, "future_flag": "ignored"},
    "console": {"can_send_human": False},
    "extra_top_level": {"dropped": True},
}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict | None
    at: float = field(default_factory=time.monotonic)  # when the request arrived


@dataclass
class Drip:
    """A body written in `chunks`, `delay` seconds apart (a slow partner)."""

    chunks: list[bytes]
    delay: float


@dataclass
class ScriptedRemote:
    """`answers[path] = (status, json-able body, raw bytes or Drip[, extra headers])`; unknown paths
    answer 404. `by_message[id]` answers a POST carrying that message id instead; `latency` seconds
    pass before every answer (a distant partner); `max_active` is the most requests seen at once."""

    answers: dict[str, tuple] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    by_message: dict[str, tuple] = field(default_factory=dict)
    latency: float = 0.0
    active: int = 0
    max_active: int = 0

    def __post_init__(self) -> None:
        self.answers.setdefault("/v1/network", (200, NETWORK))
        self.answers.setdefault("/v1/messages", (202, ACCEPTED))
        remote = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with lock:
                    remote.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                    remote.active += 1
                    remote.max_active = max(remote.max_active, remote.active)
                try:
                    if remote.latency:
                        time.sleep(remote.latency)
                    self._reply(remote.by_message.get((body or {}).get("id", "")) if isinstance(body, dict) else None)
                finally:
                    with lock:
                        remote.active -= 1

            def _reply(self, scripted: tuple | None) -> None:
                status, body, *extra = scripted or remote.answers.get(self.path.split("?")[0],
                                                                      (404, {"error": "not found"}))
                chunks = body.chunks if isinstance(body, Drip) else [
                    body if isinstance(body, bytes) else json.dumps(body).encode()]
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
                for name, value in (extra[0] if extra else {}).items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for index, chunk in enumerate(chunks):
                        if index and isinstance(body, Drip):
                            time.sleep(body.delay)
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up first
                    pass

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def network(self, **changes) -> None:
        """Answer /v1/network with NETWORK updated by `changes` (nested dicts replace wholesale)."""
        self.answers["/v1/network"] = (200, {**NETWORK, **changes})

    def posts(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
