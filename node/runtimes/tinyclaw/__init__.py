"""TinyClaw native mode: inbound POSTs plus a drain-and-ACK loop over pending responses (docs/protocol/runtimes.md
§4); `build_adapter`
picks the control seam instead when `control_url` is set."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import httpx

from moltnet.ids import ID_MISMATCH, id_error
from node import logs
from node.client import AttachmentClient
from node.config import BridgeConfig
from node.preflight import redact
from node.render import body, compact_message, sender_name, tinyclaw_sender_id
from node.runtimes.base import Adapter
from node.runtimes.control import ControlAdapter
from node.wake import wake_decision

POLL_INTERVAL = 1.0
ACKS_PER_POLL = 20
MAX_BODY = 1 << 20


def _response_id(raw: object) -> str:
    """A pending response id: a JSON string or integer, trimmed, with the message-id grammar
    (docs/protocol/runtimes.md §4.2)."""
    if raw is None:
        raw = ""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise RuntimeError(f"unsupported pending response id {json.dumps(raw, separators=(',', ':'))}")
    ident = str(raw).strip()
    error = id_error(ident)
    if error:
        raise RuntimeError(f"invalid pending response id: {error}")
    return ident


def pending_ids(document: object) -> list[str | None]:
    """Ids of pending responses; any bad id fails the whole poll. An entry without an id yields None
    (it fails only when its turn to be ACKed comes, like Go's zero id)."""
    if document is None:
        return []
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise RuntimeError("decode tinyclaw pending responses: expected an array of objects")
    try:
        return [_response_id(item["id"]) if "id" in item else None for item in document]
    except RuntimeError as exc:
        raise RuntimeError(f"decode tinyclaw pending responses: {exc}") from None


class TinyClawAdapter(Adapter):
    kind = "tinyclaw"
    stream_warning = "tinyclaw bridge inbound stream error"

    def check_seam(self) -> None:
        for name in ("inbound_url", "outbound_url", "ack_url"):
            if not getattr(self.rt, name):
                raise RuntimeError(f"tinyclaw bridge requires runtime.{name}")

    def decide(self, event: dict) -> str:
        return wake_decision(self.cfg, event, exact_self=True, dm_participants=False)

    def headers(self) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.rt.token.strip():
            headers["Authorization"] = f"Bearer {self.rt.token.strip()}"
        return headers

    async def deliver(self, message: dict) -> None:
        if not body(message):
            logs.warn("tinyclaw message has no supported text content", component=self.component,
                      agent_id=self.cfg.agent_id, message_id=message.get("id") or "")
            raise RuntimeError("message has no supported text content")
        payload = {"message": compact_message(self.net, message), "agent": self.cfg.agent_id,
                   "sender": sender_name(message), "senderId": tinyclaw_sender_id(message.get("target") or {}),
                   "channel": self.rt.channel, "messageId": message.get("id") or ""}
        payload = {k: v for k, v in payload.items() if v}
        try:
            async with httpx.AsyncClient(timeout=15) as http:
                response = await http.post(self.rt.inbound_url, content=json.dumps(payload), headers=self.headers())
        except httpx.HTTPError as exc:
            raise RuntimeError(f"request tinyclaw {redact(self.rt.inbound_url)}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"tinyclaw request returned {response.status_code} {response.reason_phrase}")

    async def poll_once(self, http: httpx.AsyncClient) -> None:
        """Drain up to 20 pending native responses by ACKing them; they are never published."""
        try:
            response = await http.get(self.rt.outbound_url, headers=self.headers())
        except httpx.HTTPError as exc:
            raise RuntimeError(f"request tinyclaw pending responses: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"tinyclaw pending responses returned {response.status_code} {response.reason_phrase}")
        try:
            if not response.content.strip():
                raise ValueError("EOF")
            document = json.loads(response.content[:MAX_BODY])
        except ValueError as exc:
            raise RuntimeError(f"decode tinyclaw pending responses: {exc}") from None
        for ident in pending_ids(document)[:ACKS_PER_POLL]:
            if ident is None:
                raise RuntimeError(f"invalid pending response id: {ID_MISMATCH}")
            url = f"{self.rt.ack_url.rstrip('/')}/{ident}/ack"
            try:
                ack = await http.post(url, content=b"{}", headers=self.headers())
            except httpx.HTTPError as exc:
                raise RuntimeError(f"request tinyclaw {redact(url)}: {exc}") from None
            if not 200 <= ack.status_code < 300:
                raise RuntimeError(f"tinyclaw request returned {ack.status_code} {ack.reason_phrase}")

    async def outbound(self) -> None:
        async with httpx.AsyncClient(timeout=15) as http:
            while True:
                await asyncio.sleep(POLL_INTERVAL)
                try:
                    await self.poll_once(http)
                except (httpx.HTTPError, RuntimeError) as exc:
                    self.warn("tinyclaw bridge outbound poll error", exc)

    async def run(self) -> None:
        self.check_seam()
        poller = asyncio.create_task(self.outbound())
        try:
            await super().run()  # a clean end stops the inbound loop only; the drain keeps going
            await poller
        finally:
            poller.cancel()


def build_adapter(cfg: BridgeConfig, client: AttachmentClient, environ: Mapping[str, str] | None = None) -> Adapter:
    """Seam precedence (docs/protocol/runtimes.md §1.4): a `control_url` wins over the native queue endpoints."""
    if cfg.runtime.control_url:
        return ControlAdapter(cfg, client, environ, kind="tinyclaw")
    return TinyClawAdapter(cfg, client, environ)
