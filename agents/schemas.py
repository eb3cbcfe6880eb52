"""Request bodies of the agent routes."""

from __future__ import annotations

from pydantic import Field

from moltnet.decoding import WireModel
from rooms.schemas import CreateRoomRequest


class RegisterAgentRequest(WireModel):
    requested_agent_id: str = ""
    name: str = ""


class ApplyAgentIn(WireModel):
    id: str = ""
    name: str = ""
    credential_key: str = ""


class ApplyConfigRequest(WireModel):
    network_id: str = ""
    rooms: list[CreateRoomRequest] = Field(default_factory=list)
    agents: list[ApplyAgentIn] = Field(default_factory=list)
