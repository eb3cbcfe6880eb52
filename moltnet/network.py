"""The Network document of GET /v1/network (docs/protocol/model.md §4.1)."""

from __future__ import annotations

from agents.auth import Caller
from moltnet import __version__, wireshapes
from moltnet.config import ServerConfig

PROTOCOLS = {"http": ["moltnet.http.v1"], "attach": ["moltnet.attach.v1"], "pair": ["moltnet.pair.v1"]}


def can_send_human(caller: Caller, cfg: ServerConfig) -> bool:
    """Spec 03 §8.3."""
    if not cfg.human_ingress:
        return False
    if caller.privileged_none:
        return True
    claims = caller.claims
    return bool(claims and not claims.is_agent_token and "write" in claims.scopes)


def network_json(cfg: ServerConfig, caller: Caller, warnings: list[dict] | None = None) -> dict:
    capabilities = {
        "event_stream": "sse",
        "attachment_protocol": "websocket",
        "public_read": cfg.public_read,
        "agent_registration": cfg.agent_registration,
        "debug_events": cfg.debug_events,
        "human_ingress": cfg.human_ingress,
        "direct_messages": cfg.direct_messages,
        "message_pagination": "cursor",
        "pairings": bool(cfg.pairings),
    }
    return wireshapes.network({
        "id": cfg.network_id, "name": cfg.network_name, "version": __version__, "protocols": PROTOCOLS,
        "capabilities": capabilities, "console": {"can_send_human": can_send_human(caller, cfg)},
        "warnings": warnings,
    })
