"""Auth test helpers: one static token per scope, the auth section per mode, message bodies."""

from __future__ import annotations

# Static tokens: `<scope>` holds only that scope; `operator` is admin+write; `ops` observe+write.
TOKENS = [
    {"id": "observe", "value": "observe-secret", "scopes": ["observe"]},
    {"id": "write", "value": "write-secret", "scopes": ["write"]},
    {"id": "admin", "value": "admin-secret", "scopes": ["admin"]},
    {"id": "attach", "value": "attach-secret", "scopes": ["attach"]},
    {"id": "pair", "value": "pair-secret", "scopes": ["pair"]},
    {"id": "operator", "value": "operator-secret", "scopes": ["admin", "write"]},
    {"id": "ops", "value": "ops-secret", "scopes": ["observe", "write"]},
    {"id": "attach-b", "value": "attach-b-secret", "scopes": ["attach"]},
    {"id": "luna-only", "value": "luna-only-secret", "scopes": ["write", "attach"], "agents": ["luna"]},
]


SECRET = {t["id"]: t["value"] for t in TOKENS}


def auth(mode: str, **extra) -> dict:
    return {"auth": {"mode": mode, "tokens": TOKENS, **extra}}


def message(sender: str, room: str = "lab", *, sender_type: str = "agent", **extra) -> dict:
    body = {"target": {"kind": "room", "room_id": room}, "from": {"type": sender_type, "id": sender},
            "parts": [{"kind": "text", "text": "hello"}]}
    for key, value in extra.items():
        if key == "from_fields":
            body["from"].update(value)
        else:
            body[key] = value
    return body
