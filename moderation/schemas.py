"""Request bodies of the moderation admin API."""

from __future__ import annotations

from moltnet.decoding import WireModel


class RoomLoopGuardRequest(WireModel):
    """`{"max_agent_hops": N}` (0 turns the guard off in this room) or `null` for the network's budget."""

    max_agent_hops: int | None = None
