"""Which agents have a live attachment right now (spec 01 §15)."""

from __future__ import annotations

_connected: dict[str, int] = {}


def connected_agent_ids() -> set[str]:
    return {agent_id for agent_id, count in _connected.items() if count > 0}
