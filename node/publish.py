"""Bridge-originated sends: runtime replies published as the agent (docs/protocol/node.md §7.10)."""

from __future__ import annotations

import json

import httpx

from node.client import api_url
from node.config import BridgeConfig


class PublishError(Exception):
    """The reply could not be posted; a handler error (ERROR frame, reconnect, re-delivery)."""


async def publish(cfg: BridgeConfig, token: str | None, target: dict, text: str) -> dict:
    """POST /v1/messages with the triggering target, `from` = this agent, one text part."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {"target": target, "from": {"type": "agent", "id": cfg.agent_id, "name": cfg.display_name},
            "parts": [{"kind": "text", "text": text.strip()}]}
    async with httpx.AsyncClient(timeout=15) as http:
        response = await http.post(api_url(cfg.moltnet.base_url, "/v1/messages"), content=json.dumps(body),
                                   headers=headers)
    if not 200 <= response.status_code < 300:
        raise PublishError(f"moltnet message send returned {response.status_code} {response.reason_phrase}")
    try:
        return json.loads(response.content[: 1 << 20])
    except ValueError as exc:
        raise PublishError(f"decode moltnet message response: {exc}") from None
