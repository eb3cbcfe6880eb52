"""POST /v1/apply: reconcile declared agent bindings and rooms without touching history (docs/protocol/http-api.md
§4.12)."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.models import AgentRegistration
from agents.services import reconcile_binding, registration_json
from moltnet.errors import unprocessable
from moltnet.gocompat import quote
from moltnet.ids import member_id_error, trim
from rooms import shapes
from rooms.models import Room
from rooms.schemas import ApplyAgentIn, ApplyConfigRequest
from rooms.services import do_reconcile_room
from rooms.validation import room_request_error


@dataclass
class Applied:
    agents: list[AgentRegistration] = field(default_factory=list)
    rooms: list[tuple[Room, list[str]]] = field(default_factory=list)

    def as_json(self) -> dict:
        body: dict = {"applied": True}
        if self.rooms:
            body["rooms"] = [shapes.room_json(room, members) for room, members in self.rooms]
        if self.agents:
            body["agents"] = [registration_json(reg) for reg in self.agents]
        return body


def check_apply(req: ApplyConfigRequest, network_id: str) -> list[ApplyAgentIn]:
    """Every 422 of the apply table, before any change; returns the agents de-duplicated by id."""
    declared = trim(req.network_id)
    if declared and declared != network_id:
        raise unprocessable(f"network_id {quote(declared)} does not match server network {quote(network_id)}")
    keys: dict[str, str] = {}
    unique: list[ApplyAgentIn] = []
    for index, agent in enumerate(req.agents):
        agent_id = trim(agent.id)
        if err := member_id_error(agent_id):
            raise unprocessable(f"agents[{index}].id {err}")
        key = trim(agent.credential_key)
        if not key:
            raise unprocessable(f"agents[{index}].credential_key is required")
        if agent_id in keys:
            if keys[agent_id] != key:
                raise unprocessable(f"agent {quote(agent_id)} has multiple credential keys")
            continue
        keys[agent_id] = key
        unique.append(agent)
    for index, room in enumerate(req.rooms):
        if err := room_request_error(room):
            raise unprocessable(f"rooms[{index}]: {err}")
    return unique


def do_apply(req: ApplyConfigRequest, network_id: str) -> Applied:
    """Bind agents first, then create or reconcile rooms in order; a removed room stops with 404."""
    agents = check_apply(req, network_id)
    result = Applied()
    for agent in agents:
        result.agents.append(reconcile_binding(agent.id, trim(agent.credential_key), network_id, agent.name))
    for room in req.rooms:
        result.rooms.append(do_reconcile_room(room, network_id))
    return result
