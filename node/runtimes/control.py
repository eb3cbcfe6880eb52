"""The control-URL seam: one JSON POST per wake (pi; picoclaw and tinyclaw control mode; docs/protocol/runtimes.md
§5)."""

from __future__ import annotations

import json

import httpx

from node.preflight import redact
from node.publish import publish
from node.render import context_id, control_bootstrap, legacy_text, sender_name
from node.runtimes.base import Adapter


class ControlAdapter(Adapter):
    """POST {context_id, from, message, to}; only pi publishes the response (docs/protocol/runtimes.md §11)."""

    bootstrap = "after_ready"
    reset_on_bootstrap = True
    publishes_reply = False

    def __init__(self, *args, kind: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind or self.cfg.runtime.kind

    async def post(self, body: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.rt.token.strip():
            headers["Authorization"] = f"Bearer {self.rt.token.strip()}"
        url = self.rt.control_url
        try:
            async with httpx.AsyncClient(timeout=15) as http:
                response = await http.post(url, content=json.dumps(body), headers=headers)
        except httpx.HTTPError as exc:
            raise RuntimeError(f"request control url {redact(url)}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"control url returned {response.status_code} {response.reason_phrase}")
        try:
            reply = json.loads(response.content[: 1 << 20])
            if not isinstance(reply, dict):
                raise ValueError("response is not a JSON object")
        except ValueError as exc:
            raise RuntimeError(f"decode control response: {exc}") from None
        return reply

    async def deliver(self, message: dict) -> None:
        body = {"context_id": context_id(self.net, message.get("target") or {}), "from": sender_name(message),
                "message": legacy_text(message), "to": self.cfg.agent_id}
        if not body["context_id"]:
            del body["context_id"]
        reply = await self.post(body)
        text = reply.get("message")
        if self.publishes_reply and isinstance(text, str) and text.strip():
            await publish(self.cfg, self.client.token, message.get("target") or {}, text)

    async def bootstrap_room(self, room_id: str) -> None:
        await self.post({"context_id": f"moltnet:{self.net}:room:{room_id}", "from": "Moltnet Bootstrap",
                         "message": control_bootstrap(self.net, room_id), "to": self.cfg.agent_id})
