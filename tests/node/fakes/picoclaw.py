"""A fake PicoClaw event socket on `/pico/ws` that records the handshake and the one `message.send` frame."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

TOKEN = "spawnfile-internal-pico"


@dataclass
class FakePicoClaw:
    token: str = TOKEN
    frames: list[dict] = field(default_factory=list)
    handshakes: list[dict] = field(default_factory=list)

    async def start(self) -> FakePicoClaw:
        self.server = await serve(self.handler, "127.0.0.1", 0, process_request=self.check_request,
                                  select_subprotocol=lambda ws, offered: offered[0] if offered else None)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/pico/ws"

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    def check_request(self, ws: ServerConnection, request):
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.handshakes.append({"path": parts.path, "query": query, "raw_query": parts.query,
                                "authorization": request.headers.get("Authorization"),
                                "subprotocol": request.headers.get("Sec-WebSocket-Protocol")})
        if parts.path != "/pico/ws" or query.get("token") != self.token:
            return ws.respond(401, "unauthorized\n")
        return None

    async def handler(self, ws: ServerConnection) -> None:
        async for raw in ws:
            self.frames.append(json.loads(raw))
