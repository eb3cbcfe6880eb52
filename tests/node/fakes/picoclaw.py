"""A fake PicoClaw gateway serving today's Pico channel WebSocket `/pico/ws` (PicoClaw v0.2.5 and later).

Sources (read December 2026):
- sipeed/picoclaw pkg/channels/pico/pico.go: `ServeHTTP` serves `/pico/ws` on the shared gateway HTTP server
  (gateway.host:gateway.port, default 127.0.0.1:18790); `authenticate` accepts `Authorization: Bearer <token>`,
  a `Sec-WebSocket-Protocol: token.<token>` entry (echoed back on the upgrade), and the `token` query parameter
  only when `allow_token_query` is on (off by default since PR #1563); anything else is `401 unauthorized`.
  The session is `?session_id=` (a UUID when absent); a `message.send` frame may name another session_id.
  Blank content gets an `error` frame (`empty_content`), unknown types `unknown_type`, bad JSON `invalid_message`.
- pkg/channels/pico/protocol.go: frame `{type, id?, session_id?, timestamp?, payload?}`; server frames
  `message.create`, `message.update`, `typing.start`, `typing.stop`, `error`, `pong`.
- pkg/pid/pidfile.go and the gateway's overridePicoToken (PR #2134, issue #2438): the gateway writes
  `<home>/.picoclaw.pid` = `{"pid","token","version","port","host"}` with a fresh random token on each start, and
  the channel token becomes `pico-<pid token><channels.pico.token>` unless the configured one starts with `pico-`.
Not covered: the launcher's own `/pico/ws` proxy (port 18800), which also wants a dashboard login.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Response

TOKEN = "spawnfile-internal-pico"


@dataclass
class FakePicoClaw:
    """`token` is `channels.pico.token`; with `home` set the fake writes a PID file like a v0.2.5+ gateway."""

    token: str = TOKEN
    home: str = ""
    allow_token_query: bool = False
    reply: str = "on it"
    frames: list[dict] = field(default_factory=list)  # accepted message.send frames
    handshakes: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # error frames sent back
    run_token: str = field(default_factory=lambda: secrets.token_hex(16))

    async def start(self) -> FakePicoClaw:
        self.server = await serve(self.handler, "127.0.0.1", 0, process_request=self.check_request,
                                  select_subprotocol=self.select_subprotocol)
        self.port = self.server.sockets[0].getsockname()[1]
        if self.home:
            os.makedirs(self.home, exist_ok=True)
            with open(os.path.join(self.home, ".picoclaw.pid"), "w") as handle:
                json.dump({"pid": os.getpid(), "token": self.run_token, "version": "0.2.7", "port": self.port,
                           "host": "127.0.0.1"}, handle, indent=2)
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/pico/ws"

    @property
    def accepted_token(self) -> str:
        if not self.home or self.token.startswith("pico-"):
            return self.token
        return f"pico-{self.run_token}{self.token}"

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    def select_subprotocol(self, ws: ServerConnection, offered) -> str | None:
        return next((p for p in offered if p == f"token.{self.accepted_token}"), None)

    def check_request(self, ws: ServerConnection, request):
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        offered = [p.strip() for p in (request.headers.get("Sec-WebSocket-Protocol") or "").split(",") if p.strip()]
        self.handshakes.append({"path": parts.path, "query": query, "raw_query": parts.query,
                                "authorization": request.headers.get("Authorization"),
                                "subprotocol": request.headers.get("Sec-WebSocket-Protocol")})
        if parts.path not in ("/pico/ws", "/pico/ws/"):
            return self.plain(404, "Not Found", "404 page not found\n")
        token = self.accepted_token
        if not (request.headers.get("Authorization") == f"Bearer {token}" or f"token.{token}" in offered
                or (self.allow_token_query and query.get("token") == token)):
            return self.plain(401, "Unauthorized", "unauthorized\n")
        return None

    @staticmethod
    def plain(status: int, reason: str, body: str) -> Response:
        """What Go's http.Error writes."""
        data = body.encode()
        headers = Headers([("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"),
                           ("Content-Length", str(len(data)))])
        return Response(status, reason, headers, data)

    async def handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query)
        primary = (query.get("session_id") or [""])[0] or str(uuid.uuid4())

        async def send(kind: str, session: str, payload: dict | None = None) -> None:
            frame = {"type": kind, "session_id": session, "timestamp": int(time.time() * 1000)}
            if payload is not None:
                frame["payload"] = payload
            await ws.send(json.dumps(frame))

        async for raw in ws:
            try:
                frame = json.loads(raw)
                if not isinstance(frame, dict):
                    raise ValueError
            except ValueError:
                await self.error(send, primary, "invalid_message", "failed to parse message")
                continue
            kind = frame.get("type")
            if kind == "ping":
                await ws.send(json.dumps({"type": "pong", "id": frame.get("id", "")}))
            elif kind != "message.send":
                await self.error(send, primary, "unknown_type", f"unknown message type: {kind}")
            elif not str((frame.get("payload") or {}).get("content") or "").strip():
                await self.error(send, primary, "empty_content", "message content is empty")
            else:
                self.frames.append(frame)
                session = frame.get("session_id") or primary
                await send("typing.start", session)
                await send("message.create", session, {"content": self.reply, "message_id": str(uuid.uuid4())})
                await send("typing.stop", session)

    async def error(self, send, session: str, code: str, message: str) -> None:
        self.errors.append({"code": code, "message": message})
        await send("error", session, {"code": code, "message": message})
