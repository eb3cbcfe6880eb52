"""Request bodies of the conversation API (docs/protocol/model.md §4.16), decoded with Go's rules."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from moltnet.decoding import WireModel


class ActorIn(WireModel):
    type: str = ""
    id: str = ""
    name: str = ""
    network_id: str = ""
    fqid: str = ""


class TargetIn(WireModel):
    kind: str = ""
    room_id: str = ""
    thread_id: str = ""
    parent_message_id: str = ""
    dm_id: str = ""
    participant_ids: list[str] = Field(default_factory=list)


class PartIn(WireModel):
    kind: str = ""
    text: str = ""
    media_type: str = ""
    url: str = ""
    filename: str = ""
    data: dict[str, Any] | None = None


class OriginIn(WireModel):
    network_id: str = ""
    message_id: str = ""


class SendMessageRequest(WireModel):
    id: str = ""
    origin: OriginIn = Field(default_factory=OriginIn)
    target: TargetIn = Field(default_factory=TargetIn)
    from_: ActorIn = Field(default_factory=ActorIn, alias="from")
    parts: list[PartIn] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)

    model_config = {**WireModel.model_config, "populate_by_name": True}


class CreateRoomRequest(WireModel):
    id: str = ""
    name: str = ""
    members: list[str] = Field(default_factory=list)
    visibility: str = ""
    write_policy: str = ""


class UpdateRoomMembersRequest(WireModel):
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


class ApplyAgentIn(WireModel):
    id: str = ""
    name: str = ""
    credential_key: str = ""


class ApplyConfigRequest(WireModel):
    """POST /v1/apply: declared agent bindings and rooms (rooms sit above agents, so the body lives here)."""

    network_id: str = ""
    rooms: list[CreateRoomRequest] = Field(default_factory=list)
    agents: list[ApplyAgentIn] = Field(default_factory=list)
