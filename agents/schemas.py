"""Request bodies of the agent routes."""

from __future__ import annotations

from pydantic import Field

from moltnet.decoding import GoModel
from rooms.schemas import CreateRoomRequest


class RegisterAgentRequest(GoModel):
    requested_agent_id: str = ""
    name: str = ""


class ApplyAgentIn(GoModel):
    id: str = ""
    name: str = ""
    credential_key: str = ""


class ApplyConfigRequest(GoModel):
    network_id: str = ""
    rooms: list[CreateRoomRequest] = Field(default_factory=list)
    agents: list[ApplyAgentIn] = Field(default_factory=list)
