"""Remote documents as a Go peer decodes them, and their re-encoding in the local schemas
(spec 07 §2, §5.1, §5.2).

A Go server decodes a partner's answers into its own structs with encoding/json: unknown
fields are dropped, `null` or a missing field is the zero value, field names match
case-insensitively, and a value of the wrong type fails the whole call. The models below
give the same verdicts (through `WireModel`), so a partner that Go would refuse is refused
here too, and what we serve from `/v1/pairings/{id}/…` has exactly the local shapes.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import Field, ValidationError, field_validator

from moltnet.decoding import WireModel
from moltnet.ids import ZERO_TIME, parse_time
from moltnet.jsonshape import omit_empty

M = TypeVar("M", bound=WireModel)
# time.Time's JSON form: RFC 3339 with optional fractional seconds and a `Z` or numeric offset.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


class DecodeError(ValueError):
    """The remote's JSON does not decode into the expected shape."""


class ProtocolsIn(WireModel):
    http: list[str] = Field(default_factory=list)
    attach: list[str] = Field(default_factory=list)
    pair: list[str] = Field(default_factory=list)


class CapabilitiesIn(WireModel):
    event_stream: str = ""
    attachment_protocol: str = ""
    public_read: bool = False
    agent_registration: str = ""
    debug_events: bool = False
    human_ingress: bool = False
    direct_messages: bool = False
    message_pagination: str = ""
    pairings: bool = False


class ConsoleIn(WireModel):
    can_send_human: bool = False


class WarningIn(WireModel):
    severity: str = ""
    code: str = ""
    message: str = ""
    action: str = ""
    docs_url: str = ""


class NetworkIn(WireModel):
    id: str = ""
    name: str = ""
    version: str = ""
    protocols: ProtocolsIn = Field(default_factory=ProtocolsIn)
    capabilities: CapabilitiesIn = Field(default_factory=CapabilitiesIn)
    console: ConsoleIn | None = None
    warnings: list[WarningIn] = Field(default_factory=list)


class AccessIn(WireModel):
    can_read: bool = False
    can_write: bool = False
    reason: str = ""


class RoomIn(WireModel):
    id: str = ""
    network_id: str = ""
    fqid: str = ""
    name: str = ""
    members: list[str] = Field(default_factory=list)
    visibility: str = ""
    write_policy: str = ""
    access: AccessIn | None = None
    created_at: str = ZERO_TIME

    @field_validator("created_at")
    @classmethod
    def _rfc3339(cls, value: str) -> str:
        if not _RFC3339.fullmatch(value):
            raise ValueError(f"parsing time {value!r} as RFC 3339")
        try:
            parse_time(value)
        except ValueError as exc:
            raise ValueError(f"parsing time {value!r}: {exc}") from None
        return value


class AgentIn(WireModel):
    id: str = ""
    name: str = ""
    actor_uid: str = ""
    fqid: str = ""
    network_id: str = ""
    rooms: list[str] = Field(default_factory=list)
    connected: bool = False


class RoomsIn(WireModel):
    rooms: list[RoomIn] = Field(default_factory=list)


class AgentsIn(WireModel):
    agents: list[AgentIn] = Field(default_factory=list)


class MessageAcceptedIn(WireModel):
    message_id: str = ""
    event_id: str = ""
    accepted: bool = False
    thread_created: bool = False
    dm_created: bool = False


def decode[M: WireModel](value: Any, model: type[M]) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise DecodeError(f"{where}: {first.get('msg', 'invalid value')}") from None


# --- re-encoding in the local schemas (spec 01 §4.1, §4.7, §4.10) -------------------------------

def protocols_json(protocols: ProtocolsIn) -> dict[str, list[str]]:
    return omit_empty({"http": list(protocols.http), "attach": list(protocols.attach), "pair": list(protocols.pair)})


def network_json(network: NetworkIn) -> dict[str, Any]:
    caps = network.capabilities
    body: dict[str, Any] = {
        "id": network.id,
        "name": network.name,
        "version": network.version,
        "protocols": protocols_json(network.protocols),
        "capabilities": omit_empty(caps.model_dump(),
                                   always=("public_read", "human_ingress", "direct_messages", "pairings")),
    }
    if network.console is not None:
        body["console"] = {"can_send_human": network.console.can_send_human}
    warnings = [{"severity": w.severity, "code": w.code, "message": w.message,
                 **omit_empty({"action": w.action, "docs_url": w.docs_url})} for w in network.warnings]
    if warnings:
        body["warnings"] = warnings
    return body


def room_json(room: RoomIn) -> dict[str, Any]:
    body = omit_empty({
        "id": room.id, "network_id": room.network_id, "fqid": room.fqid, "name": room.name,
        "members": list(room.members), "visibility": room.visibility, "write_policy": room.write_policy,
    }, always=("id", "name"))
    if room.access is not None:
        body["access"] = {"can_read": room.access.can_read, "can_write": room.access.can_write,
                          **omit_empty({"reason": room.access.reason})}
    body["created_at"] = room.created_at
    return body


def agent_json(agent: AgentIn) -> dict[str, Any]:
    body = omit_empty({
        "id": agent.id, "name": agent.name, "actor_uid": agent.actor_uid, "fqid": agent.fqid,
        "network_id": agent.network_id, "rooms": list(agent.rooms),
    }, always=("id", "network_id"))
    body["connected"] = agent.connected
    return body
