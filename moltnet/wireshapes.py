"""The JSON output shapes of the wire (docs/protocol/model.md §4), built from plain values.

One builder per document kind, used by the views (via `rooms.shapes`, `agents.roster`,
`moltnet.network`), by the pairing proxy (re-encoding a partner's documents) and by the CLI
(re-encoding what it printed). Key order and omit-when-empty rules are Go's, so all three
write the same bytes for the same values. This module knows no Django model: callers pass
mappings (a model's fields, a decoded document, a pydantic `model_dump()`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moltnet.jsonshape import omit_empty


def access(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A room's `access` object: the caller's read/write decision and why."""
    return {"can_read": fields.get("can_read", False), "can_write": fields.get("can_write", False),
            **omit_empty({"reason": fields.get("reason", "")})}


def room(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A Room (docs/protocol/model.md §4.2); `members` as given (the server sorts them), `created_at` as wire text."""
    body = _pick(fields, ("id", "network_id", "fqid", "name", "members", "visibility", "write_policy"),
                 always=("id", "name"))
    if fields.get("access") is not None:
        body["access"] = access(fields["access"])
    body["created_at"] = fields["created_at"]
    return body


def agent(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An agent summary (docs/protocol/model.md §4.10)."""
    body = _pick(fields, ("id", "name", "actor_uid", "fqid", "network_id", "rooms"), always=("id", "network_id"))
    body["connected"] = bool(fields.get("connected"))
    return body


def protocols(fields: Mapping[str, Any]) -> dict[str, list[str]]:
    return omit_empty({name: list(fields.get(name) or []) for name in ("http", "attach", "pair")})


def capabilities(fields: Mapping[str, Any]) -> dict[str, Any]:
    names = ("event_stream", "attachment_protocol", "public_read", "agent_registration", "debug_events",
             "human_ingress", "direct_messages", "message_pagination", "pairings")
    flags = ("public_read", "debug_events", "human_ingress", "direct_messages", "pairings")
    return omit_empty({name: fields.get(name, False if name in flags else "") for name in names},
                      always=("public_read", "human_ingress", "direct_messages", "pairings"))


def warning(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"severity": fields.get("severity", ""), "code": fields.get("code", ""),
            "message": fields.get("message", ""),
            **omit_empty({"action": fields.get("action", ""), "docs_url": fields.get("docs_url", "")})}


def network(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The Network document (docs/protocol/model.md §4.1); `console` only when given, `warnings` only when any."""
    body: dict[str, Any] = {
        "id": fields.get("id", ""), "name": fields.get("name", ""), "version": fields.get("version", ""),
        "protocols": protocols(fields.get("protocols") or {}),
        "capabilities": capabilities(fields.get("capabilities") or {}),
    }
    if fields.get("console") is not None:
        body["console"] = {"can_send_human": bool(fields["console"].get("can_send_human"))}
    if warnings := [warning(w) for w in fields.get("warnings") or []]:
        body["warnings"] = warnings
    return body


def _pick(fields: Mapping[str, Any], names: tuple[str, ...], always: tuple[str, ...]) -> dict[str, Any]:
    """`names` from `fields` in that order, empty or missing ones dropped unless listed in `always`."""
    return omit_empty({name: fields.get(name, "") for name in names}, always=always)


def target(fields: Mapping[str, Any]) -> dict[str, Any]:
    return _pick(fields, ("kind", "room_id", "thread_id", "parent_message_id", "dm_id", "participant_ids"),
                 always=("kind",))


def actor(fields: Mapping[str, Any]) -> dict[str, Any]:
    return _pick(fields, ("type", "id", "name", "network_id", "fqid"), always=("type", "id"))


def part(fields: Mapping[str, Any]) -> dict[str, Any]:
    return _pick(fields, ("kind", "text", "media_type", "url", "filename", "data"), always=("kind",))


def dm(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A DirectConversation (docs/protocol/model.md §4.6); `participant_ids` as given (the server sorts them)."""
    return _pick(fields, ("id", "network_id", "fqid", "participant_ids", "message_count", "last_message_at"),
                 always=("id", "message_count", "last_message_at"))


def message(fields: Mapping[str, Any], *, extensions: bool = True) -> dict[str, Any]:
    """A Message (docs/protocol/model.md §4.4) from already-shaped `target`, `from` and `parts`. Without
    `extensions`, only the fields the Go client knows (the CLI prints no `over_budget`)."""
    origin = fields.get("origin") or {}
    body: dict[str, Any] = {
        "id": fields.get("id", ""), "network_id": fields.get("network_id", ""),
        "origin": {"network_id": origin.get("network_id", ""), "message_id": origin.get("message_id", "")},
        "target": fields.get("target"), "from": fields.get("from"), "parts": fields.get("parts"),
    }
    if fields.get("mentions"):
        body["mentions"] = fields["mentions"]
    if extensions and fields.get("over_budget"):
        body["over_budget"] = True  # only when true: a Go client sees the shape it knows
    body["created_at"] = fields["created_at"]
    return body


def accepted(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The answer to POST /v1/messages (docs/protocol/model.md §4.5)."""
    return {name: fields.get(name, default) for name, default in (
        ("message_id", ""), ("event_id", ""), ("accepted", False), ("thread_created", False), ("dm_created", False))}


def registration(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An agent registration (docs/protocol/model.md §4.11); `agent_token` only when one is shown."""
    return _pick(fields, ("network_id", "agent_id", "actor_uid", "actor_uri", "display_name", "agent_token",
                          "created_at", "updated_at"),
                 always=("network_id", "agent_id", "actor_uid", "actor_uri", "created_at", "updated_at"))
