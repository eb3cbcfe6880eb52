"""Fake HTTP seams: TinyClaw's inbound/pending/ack service and a control URL (pi, picoclaw/tinyclaw control)."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class FakeHttp:
    """Runs `route(method, path, query, headers, body) -> (status, json)` on a thread; records every request."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                body = json.loads(raw) if raw else None
                record = {"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                          "headers": dict(self.headers), "body": body}
                with fake.lock:
                    fake.requests.append(record)
                    status, reply = fake.route(record)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # noqa: N815 - http.server handler names

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, record: dict) -> tuple[int, object]:
        raise NotImplementedError


class FakeControl(FakeHttp):
    """A control URL answering `{"from", "message"}`; `reply` is the message text.

    No runtime serves this seam itself; it is always a shim in front of one, as in the Go node. Pi in particular
    (badlogic/pi-mono packages/coding-agent, docs/rpc.md, read December 2026) has no HTTP endpoint: `pi --mode rpc`
    speaks JSON lines over stdio (`{"id","type":"prompt","message"}` answered by `{"type":"response",
    "command":"prompt","success":true}`, then events up to `agent_end`), and `pi -p` prints one answer. So this
    fake is the shim's side of the contract (docs/protocol/runtimes.md §5), not Pi's own protocol.
    """

    def __init__(self, reply: str = "", fail_first: int = 0, on_request=None, delay: float = 0) -> None:
        self.reply = reply
        self.delay = delay  # seconds before answering a wake (a slow runtime)
        self.fail_first = fail_first  # answer 500 to the first N wakes (the node must re-deliver them)
        self.on_request = on_request  # called with each request record (e.g. to snapshot local state)
        super().__init__()

    def route(self, record: dict) -> tuple[int, object]:
        if record["path"] != "/control":
            return 404, {"error": "not found"}
        if self.on_request:
            self.on_request(record)
        if self.delay and record["body"].get("from") != "Moltnet Bootstrap":
            self.lock.release()  # let other requests be recorded while this one is slow
            try:
                time.sleep(self.delay)
            finally:
                self.lock.acquire()
        if self.fail_first > 0 and record["body"].get("from") != "Moltnet Bootstrap":
            self.fail_first -= 1
            return 500, {"error": "runtime is warming up"}
        return 200, {"from": "pi", "message": self.reply}

    def wakes(self) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"] == "/control"]


class FakeTinyClaw(FakeHttp):
    """TinyClaw's API server with a real pending-response queue: every inbound message queues a native reply,
    listed by `/api/responses/pending?channel=` until ACKed at `/api/responses/<id>/ack`.

    Sources (read December 2026): TinyAGI/tinyclaw (formerly jlia0/tinyclaw) packages/server/src/index.ts (port
    `TINYCLAW_API_PORT`, default 3777; no authentication: an `Authorization` header is ignored; errors thrown in a
    handler answer 500 `{"error": "Internal server error"}`), routes/messages.ts (`POST /api/message` needs a
    non-empty string `message`, else 400 `{"error": "message is required"}`; answers `{"ok": true, "messageId"}`),
    routes/queue.ts (`GET /api/responses/pending` needs `?channel=`, else 400; rows carry the SQLite integer `id`;
    `POST /api/responses/:id/ack` parses the id as an integer and always answers `{"ok": true}`, an unknown id
    being a no-op).
    """

    ACK = re.compile(r"^/api/responses/([^/]+)/ack$")

    def __init__(self, preloaded: int = 0, broken_acks: bool = False) -> None:
        self.broken_acks = broken_acks  # every ACK fails inside TinyClaw (500), e.g. its database is locked
        self.pending: list[dict] = []
        self.next_id = 1
        self.acked: list[int] = []
        self.acks_per_poll: list[int] = []
        super().__init__()
        for _ in range(preloaded):
            self._queue("moltnet", "operator", "seed", "queued before the node started", "")

    def _queue(self, channel: str, sender: str, sender_id: str, text: str, message_id: str) -> None:
        self.pending.append({"id": self.next_id, "channel": channel, "sender": sender, "senderId": sender_id,
                             "message": text, "originalMessage": "", "messageId": message_id, "agent": "default",
                             "metadata": {"k": "v"}})
        self.next_id += 1

    def inbound(self) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"] == "/api/message"]

    def route(self, record: dict) -> tuple[int, object]:
        path = record["path"]
        if record["method"] == "POST" and path == "/api/message":
            body = record["body"] if isinstance(record["body"], dict) else {}
            if not isinstance(body.get("message"), str) or not body["message"]:
                return 400, {"error": "message is required"}
            message_id = body.get("messageId") or f"api_{int(time.time() * 1000)}"
            self._queue(body.get("channel") or "api", body.get("sender") or "API", body.get("senderId", ""),
                        f"native reply to {message_id}", message_id)
            return 200, {"ok": True, "messageId": message_id}
        if record["method"] == "GET" and path == "/api/responses/pending":
            channel = (record["query"].get("channel") or [""])[0]
            if not channel:
                return 400, {"error": "channel query param required"}
            self.acks_per_poll.append(0)
            return 200, [p for p in self.pending if p["channel"] == channel]
        match = self.ACK.match(path)
        if record["method"] == "POST" and match:
            if self.broken_acks:
                return 500, {"error": "Internal server error"}
            digits = re.match(r"^\s*[+-]?\d+", match.group(1))  # JavaScript parseInt
            ident = int(digits.group(0)) if digits else None
            if any(p["id"] == ident for p in self.pending):
                self.pending = [p for p in self.pending if p["id"] != ident]
                self.acked.append(ident)
                if self.acks_per_poll:
                    self.acks_per_poll[-1] += 1
            return 200, {"ok": True}
        return 404, {"error": "Not found"}


class FakeNetwork(FakeHttp):
    """Another Moltnet server's `GET /v1/network` as the preflight sees it (e.g. a Go server's exact document)."""

    def __init__(self, document: dict) -> None:
        self.document = document
        super().__init__()

    def route(self, record: dict) -> tuple[int, object]:
        if record["method"] == "GET" and record["path"] == "/v1/network":
            return 200, self.document
        return 404, {"error": {"code": "not_found", "message": "not found"}}
