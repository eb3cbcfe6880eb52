"""JSON printed by the agent-side commands (docs/protocol/cli.md §9): re-encoded from the response with the
server's own shape builders (`moltnet.wireshapes`), so unknown fields are dropped and keys follow
the spec's order; values of the wrong type print as the Go client's zero values."""

from __future__ import annotations

import json
import sys
from typing import Any

from moltnet import wireshapes
from moltnet.ids import ZERO_TIME


def _pick(data: Any, fields: list[tuple[str, bool]]) -> dict:
    """fields: (name, always). Optional fields are omitted when empty/false/zero."""
    data = data if isinstance(data, dict) else {}
    out = {}
    for name, always in fields:
        value = data.get(name)
        if always or value not in (None, "", False, 0, [], {}):
            out[name] = value
    return out


def _obj(data: Any) -> dict:
    return data if isinstance(data, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def accepted(data: Any) -> dict:
    data = _obj(data)
    return wireshapes.accepted({
        "message_id": _str(data.get("message_id")), "event_id": _str(data.get("event_id")),
        **{flag: bool(data.get(flag)) for flag in ("accepted", "thread_created", "dm_created")},
    })


def target(data: Any) -> dict:
    data = _obj(data)
    return wireshapes.target({**data, "kind": _str(data.get("kind"))})


def actor(data: Any) -> dict:
    data = _obj(data)
    return wireshapes.actor({**data, "type": _str(data.get("type")), "id": _str(data.get("id"))})


def part(data: Any) -> dict:
    data = _obj(data)
    return wireshapes.part({**data, "kind": _str(data.get("kind"))})


def message(data: Any) -> dict:
    data = _obj(data)
    origin = _obj(data.get("origin"))
    return wireshapes.message({
        "id": _str(data.get("id")), "network_id": _str(data.get("network_id")),
        "origin": {"network_id": _str(origin.get("network_id")), "message_id": _str(origin.get("message_id"))},
        "target": target(data.get("target")), "from": actor(data.get("from")),
        "parts": [part(p) for p in data.get("parts") or []] if data.get("parts") is not None else None,
        "mentions": data.get("mentions"), "created_at": _str(data.get("created_at")) or ZERO_TIME,
    }, extensions=False)


def message_page(data: Any) -> dict:
    data = data if isinstance(data, dict) else {}
    messages = data.get("messages")
    page = _pick(data.get("page"), [("has_more", True), ("next_before", False), ("next_after", False)])
    page["has_more"] = bool(page["has_more"])
    # An empty array stays `[]`; only a missing/null `messages` prints as null (Go's nil slice).
    listed = [message(m) for m in messages] if isinstance(messages, list) else None
    return {"messages": listed, "page": page}


def room(data: Any) -> dict:
    data = _obj(data)
    access = data.get("access")
    return wireshapes.room({
        **data, "id": _str(data.get("id")), "name": _str(data.get("name")),
        "access": {**access, "can_read": bool(access.get("can_read")), "can_write": bool(access.get("can_write"))}
        if isinstance(access, dict) else None,
        "created_at": _str(data.get("created_at")) or ZERO_TIME,
    })


def direct(data: Any) -> dict:
    data = _obj(data)
    count = data.get("message_count")
    return wireshapes.dm({
        **data, "id": _str(data.get("id")), "message_count": count if isinstance(count, int) else 0,
        "last_message_at": _str(data.get("last_message_at")) or ZERO_TIME,
    })


def registration(data: Any) -> dict:
    data = _obj(data)
    return wireshapes.registration({
        **data, **{key: _str(data.get(key)) for key in ("network_id", "agent_id", "actor_uid", "actor_uri")},
        **{key: _str(data.get(key)) or ZERO_TIME for key in ("created_at", "updated_at")},
    })


def emit(value: Any) -> None:
    """Two-space indented JSON plus one newline on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
