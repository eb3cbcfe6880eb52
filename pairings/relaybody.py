"""The relay request sent to a partner (docs/protocol/pairings.md §6.1, §6.3 step 2, §6.4): which local messages go
to which pairing, and the SendMessageRequest built from the stored message."""

from __future__ import annotations

from typing import Any

from moltnet.config import PairingConfig
from moltnet.ids import parse_agent_fqid, parse_scoped, trim


def is_scoped_to(participant: str, network: str) -> bool:
    ref = parse_scoped(trim(participant)) or parse_agent_fqid(trim(participant))
    return bool(network) and ref is not None and ref.network == network


def relay_participants(participants: list[str], sender: str, origin_network: str, remote_network: str) -> list[str]:
    result: list[str] = []
    for raw in participants:
        value = trim(raw)
        ref = parse_scoped(value) or parse_agent_fqid(value)
        if ref is not None:
            entry = f"{ref.network}:{ref.agent}"
        elif value == trim(sender):
            entry = f"{origin_network}:{value}"
        else:
            entry = f"{remote_network}:{value}"
        if entry not in result:
            result.append(entry)
    return result


def relay_body(message: dict[str, Any], pairing: PairingConfig) -> dict[str, Any] | None:
    """The SendMessageRequest for the remote, or None when it cannot be built (DM with < 2 participants)."""
    origin = message.get("origin") or {}
    actor = message.get("from") or {}
    target = dict(message.get("target") or {})
    if target.get("kind") == "dm":
        participants = relay_participants(target.get("participant_ids") or [], actor.get("id", ""),
                                          origin.get("network_id", ""), trim(pairing.remote_network_id))
        if len(participants) < 2:
            return None
        target["participant_ids"] = participants
    body: dict[str, Any] = {
        "id": message.get("id", ""),
        "origin": {"network_id": origin.get("network_id", ""), "message_id": origin.get("message_id", "")},
        "target": target,
        "from": actor,
        "parts": message.get("parts") or [],
    }
    if message.get("mentions"):
        body["mentions"] = message["mentions"]
    return body


def targets_pairing(message: dict[str, Any], pairing: PairingConfig) -> bool:
    """Rooms and threads go to every pairing; a DM only where a participant is scoped to its network."""
    target = message.get("target") or {}
    if target.get("kind") != "dm":
        return True
    remote = trim(pairing.remote_network_id)
    return any(is_scoped_to(p, remote) for p in target.get("participant_ids") or [])


def is_local_origin(message: dict[str, Any], local: str) -> bool:
    """Only messages that originated here are relayed: no multi-hop, no loops (§6.1)."""
    origin = trim((message.get("origin") or {}).get("network_id")) or trim(message.get("network_id"))
    return origin == local
