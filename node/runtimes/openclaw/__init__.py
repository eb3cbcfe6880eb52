"""OpenClaw: the gateway WebSocket's `chat.send`; final replies are published as the agent (docs/protocol/runtimes.md
§2)."""

from __future__ import annotations

import os
import uuid

from node.publish import publish
from node.render import compact_bootstrap, compact_message, context_id, openclaw_session_key
from node.runtimes.base import Adapter
from node.runtimes.openclaw.device import identity_path, load_device
from node.runtimes.openclaw.gateway import Gateway
from node.wake import wake_decision


class OpenClawAdapter(Adapter):
    kind = "openclaw"
    stream_warning = "openclaw bridge inbound stream error"
    bootstrap_warning = "openclaw bridge bootstrap error"
    bootstrap = "before"

    def check_seam(self) -> None:
        if not self.rt.gateway_url:
            raise RuntimeError("openclaw adapter requires runtime.gateway_url")

    def gateway(self) -> Gateway:
        env = os.environ if self.environ is None else self.environ
        token = self.rt.token.strip() or (env.get("OPENCLAW_GATEWAY_TOKEN") or "").strip()
        device = load_device(identity_path(self.rt.home_path, self.rt.gateway_url, self.cfg.agent_id))
        return Gateway(self.rt.gateway_url, token, self.cfg.agent_id, device)

    def decide(self, event: dict) -> str:
        return wake_decision(self.cfg, event, allow_threads=False)

    async def deliver(self, message: dict) -> None:
        target = message.get("target") or {}
        event_id = str(self._event_id or "").strip()
        # Today's gateway requires a non-empty idempotencyKey (Go sends "" for an event without an id).
        key = f"moltnet:{self.cfg.agent_id}:{event_id or 'msg:' + str(message.get('id') or uuid.uuid4().hex)}"
        session = openclaw_session_key(context_id(self.net, target, message.get("id") or ""))
        reply = await self.gateway().chat_send(compact_message(self.net, message), session, key, await_final=True)
        if reply.strip():
            await publish(self.cfg, self.client.token, target, reply)

    _event_id = ""

    async def handle(self, event: dict) -> None:
        self._event_id = event.get("id") or ""
        await super().handle(event)
        return None

    async def bootstrap_room(self, room_id: str) -> None:
        conversation = f"moltnet:{self.net}:room:{room_id}"
        await self.gateway().chat_send(compact_bootstrap(self.net, room_id), openclaw_session_key(conversation),
                                       f"moltnet:{self.cfg.agent_id}:bootstrap:{conversation}", await_final=False)
