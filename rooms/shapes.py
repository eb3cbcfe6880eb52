"""Wire shapes of rooms, threads, DMs, messages and artifacts (docs/protocol/model.md §4)."""

from __future__ import annotations

import json
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from moltnet import wireshapes
from moltnet.ids import format_time, parse_time
from moltnet.jsonshape import dumps, omit_empty
from rooms.models import Artifact, DirectConversation, Message, Room, Thread


def room_json(room: Room, members: list[str], access: dict | None = None) -> dict[str, Any]:
    return wireshapes.room({
        "id": room.id, "network_id": room.network_id, "fqid": room.fqid, "name": room.name,
        "members": sorted(members), "visibility": room.visibility, "write_policy": room.write_policy,
        "access": access, "created_at": format_time(room.created_at),
    })


def thread_json(thread: Thread) -> dict[str, Any]:
    return omit_empty(
        {
            "id": thread.id,
            "network_id": thread.network_id,
            "fqid": thread.fqid,
            "room_id": thread.room_id,
            "parent_message_id": thread.parent_message_id,
            "message_count": thread.message_count,
            "last_message_at": format_time(thread.last_message_at),
        },
        always=("id", "room_id", "message_count", "last_message_at"),
    )


def dm_json(dm: DirectConversation, participants: list[str]) -> dict[str, Any]:
    return wireshapes.dm({
        "id": dm.dm_id, "network_id": dm.network_id, "fqid": dm.fqid, "participant_ids": sorted(participants),
        "message_count": dm.message_count, "last_message_at": format_time(dm.last_message_at),
    })


# Targets, actors and parts are plain mappings already: the shared builders are the shapes.
target_json = wireshapes.target
actor_json = wireshapes.actor
part_json = wireshapes.part


def message_json(message: Message) -> dict[str, Any]:
    return new_message_json(message, json.loads(message.origin_json or "{}"), json.loads(message.target_json),
                            json.loads(message.from_json), json.loads(message.parts_json),
                            json.loads(message.mentions_json or "null"))


def new_message_json(message: Message, origin: dict, target: dict, actor: dict, parts: list,
                     mentions: list | None) -> dict[str, Any]:
    """message_json of a message being stored, from the values its JSON columns were written from
    (the send path: nothing to decode back)."""
    return wireshapes.message({
        "id": message.id, "network_id": message.network_id, "origin": origin, "target": target, "from": actor,
        "parts": parts, "mentions": mentions, "over_budget": message.over_budget,
        "created_at": format_time(message.created_at),
    })


# The columns a history page needs: `messages_page_text` takes rows of these (model instances or
# `values_list(*MESSAGE_COLUMNS, named=True)` rows, which skip building a model per message).
MESSAGE_COLUMNS = ("id", "network_id", "origin_json", "mentions_json", "target_json", "from_json", "parts_json",
                   "created_at", "over_budget", "hidden_at")


def message_json_text(message: Any) -> str:
    """`dumps(message_json(message))`, built without decoding the stored JSON columns.

    `target`, `from` and `parts` are stored as compact JSON written by the same encoder (or by Go's,
    which writes the same compact form), so they are spliced in as stored: a history page of 100
    messages would otherwise decode and re-encode 300 JSON documents to get the same text back.
    """
    origin_text = message.origin_json or "{}"
    origin = {} if origin_text == "{}" else json.loads(origin_text)
    mentions_text = message.mentions_json or "null"
    mentions = [] if mentions_text in ("null", "[]") else json.loads(mentions_text) or []
    return "".join((
        '{"id":', _quote(message.id), ',"network_id":', _quote(message.network_id),
        ',"origin":{"network_id":', _quote(origin.get("network_id", "")),
        ',"message_id":', _quote(origin.get("message_id", "")), "}",
        ',"target":', message.target_json, ',"from":', message.from_json, ',"parts":', message.parts_json,
        ',"mentions":' + dumps(mentions) if mentions else "",
        ',"over_budget":true' if message.over_budget else "",
        ',"hidden":true' if message.hidden_at else "",  # only admins are shown hidden messages
        ',"created_at":"', wire_time(message.created_at), '"}',
    ))


def wire_time(value: datetime | str | None) -> str:
    """format_time of a stored time: a datetime, or SQLite's stored text (parsed as the field does)."""
    if isinstance(value, str):
        value = parse_time(value)
    return format_time(value)


def _quote(value: Any) -> str:
    """A JSON string as `dumps` writes it (other values, e.g. a Go row's odd origin, via dumps)."""
    return encode_basestring(value) if type(value) is str else dumps(value)


def messages_page_text(messages: list[Any], page: dict) -> str:
    """`dumps({"messages": [...], "page": page})` for a history page."""
    return '{"messages":[' + ",".join(message_json_text(m) for m in messages) + '],"page":' + dumps(page) + "}"


def artifact_json(artifact: Artifact) -> dict[str, Any]:
    return omit_empty(
        {
            "id": artifact.id,
            "network_id": artifact.network_id,
            "fqid": artifact.fqid,
            "message_id": artifact.message_id,
            "target": json.loads(artifact.target_json),
            "part_index": artifact.part_index,
            "kind": artifact.kind,
            "media_type": artifact.media_type or "",
            "filename": artifact.filename or "",
            "url": artifact.url or "",
            "created_at": format_time(artifact.created_at),
        },
        always=("id", "message_id", "target", "part_index", "kind", "created_at"),
    )
