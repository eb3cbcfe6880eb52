"""Request bodies of the agent routes."""

from __future__ import annotations

from moltnet.decoding import GoModel


class RegisterAgentRequest(GoModel):
    requested_agent_id: str = ""
    name: str = ""
