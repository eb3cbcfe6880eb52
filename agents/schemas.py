"""Request bodies of the agent routes."""

from __future__ import annotations

from moltnet.decoding import WireModel


class RegisterAgentRequest(WireModel):
    requested_agent_id: str = ""
    name: str = ""
