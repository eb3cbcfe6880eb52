"""Remote documents as a Go peer decodes them, and their re-encoding in the local schemas
(docs/protocol/pairings.md §2, §5.1, §5.2).

A Go server decodes a partner's answers into its own structs with encoding/json: unknown
fields are dropped, `null` or a missing field is the zero value, field names match
case-insensitively, and a value of the wrong type fails the whole call. The models below
give the same verdicts (through `WireModel`), so a partner that Go would refuse is refused
here too, and what we serve from `/v1/pairings/{id}/…` has exactly the local shapes.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import Field, field_validator

from moltnet import wireshapes
from moltnet.decoding import WireModel, decode_value
from moltnet.ids import ZERO_TIME, parse_time

M = TypeVar("M", bound=WireModel)
# time.Time's JSON form: RFC 3339 with optional fractional seconds and a `Z` or numeric offset.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


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
    """A partner's decoded answer as `model`, by the one decoder of the wire (moltnet.decoding)."""
    return decode_value(value, model)


# --- re-encoding in the local schemas (docs/protocol/model.md §4.1, §4.7, §4.10): the shared builders -----------

def network_json(network: NetworkIn) -> dict[str, Any]:
    return wireshapes.network(network.model_dump())


def room_json(room: RoomIn) -> dict[str, Any]:
    return wireshapes.room(room.model_dump())


def agent_json(agent: AgentIn) -> dict[str, Any]:
    return wireshapes.agent(agent.model_dump())
