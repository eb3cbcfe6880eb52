"""Attachment frames (spec 05 §4): strict decoding by Go's field rules (moltnet.gocompat), and server encoding."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from moltnet.gocompat.jsondecode import match_fields

VERSION = "moltnet.attach.v1"
HEARTBEAT_INTERVAL_MS = 5000
MAX_FRAME_BYTES = 1 << 20

ERR_BINARY = "attachment protocol only accepts text JSON frames"
ERR_JSON = "attachment frame must be valid JSON"


class FrameError(Exception):
    """A client frame that cannot be decoded; its text is the ERROR sent back."""


@dataclass
class Frame:
    op: str = ""
    version: str = ""
    network_id: str = ""
    cursor: str = ""
    error: str = ""
    agent: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_STRINGS = ("op", "version", "network_id", "cursor", "error", "agent_id", "actor_uid", "actor_uri", "agent_token")
_ACTOR_FIELDS = ("type", "id", "name", "network_id", "fqid")
_CAPS = ("rooms", "threads", "dms", "artifacts")
_TOP_FIELDS = (*_STRINGS, "agent", "capabilities", "heartbeat_interval_ms", "event")


class _Obj(list):
    """A JSON object as its (key, value) pairs: keeps duplicates so the last one wins, as in Go."""


def _pairs(pairs: list[tuple[str, Any]]) -> _Obj:
    return _Obj(pairs)


def _string(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FrameError(ERR_JSON)
    return value


def decode(text: str) -> Frame:
    """Decode one text frame; raises FrameError(ERR_JSON) where Go's json.Unmarshal would fail."""
    try:
        raw = json.loads(text, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        raise FrameError(ERR_JSON) from None
    if raw is None:
        return Frame()
    if not isinstance(raw, _Obj):
        raise FrameError(ERR_JSON)
    fields = match_fields(raw, _TOP_FIELDS)
    frame = Frame()
    for name in _STRINGS:
        if name in fields:
            value = _string(fields[name])
            if hasattr(frame, name):
                setattr(frame, name, value)
    agent = fields.get("agent")
    if agent is not None:
        if not isinstance(agent, _Obj):
            raise FrameError(ERR_JSON)
        folded = match_fields(agent, _ACTOR_FIELDS)
        frame.agent = {k: _string(v) for k, v in folded.items()}
    caps = fields.get("capabilities")
    if caps is not None:
        if not isinstance(caps, _Obj):
            raise FrameError(ERR_JSON)
        for value in match_fields(caps, _CAPS).values():
            if value is not None and not isinstance(value, bool):
                raise FrameError(ERR_JSON)
    beat = fields.get("heartbeat_interval_ms")
    if beat is not None and (isinstance(beat, bool) or not isinstance(beat, int)):
        raise FrameError(ERR_JSON)
    event = fields.get("event")
    if event is not None and not isinstance(event, _Obj):
        raise FrameError(ERR_JSON)
    return frame


# Exact texts of the frames idle clients send every 2.5 s (the Go node's PONG, ours, bare ones):
# decoded once here; reading them again per frame was most of an idle socket's Python work.
_COMMON = ('{"op":"PONG"}', '{"op":"PONG","version":"moltnet.attach.v1"}',
           '{"op":"PONG","version":"moltnet.attach.v1","capabilities":{}}')
_DECODED: dict[str, Frame] = {}


def decode_cached(text: str) -> Frame:
    """`decode`, with the common heartbeat frames answered from a table (callers must not mutate)."""
    frame = _DECODED.get(text)
    return frame if frame is not None else decode(text)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode(op: str, **fields: Any) -> str:
    """A server frame in Go's key order; empty fields omitted, `capabilities` always `{}`."""
    body: dict[str, Any] = {"op": op, "version": VERSION}
    for key in ("heartbeat_interval_ms", "network_id", "agent_id", "actor_uid", "actor_uri", "agent_token"):
        if fields.get(key):
            body[key] = fields[key]
    body["capabilities"] = {}
    if fields.get("error"):
        body["error"] = fields["error"].strip()
    return _dump(body)


HELLO = encode("HELLO", heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS)
PING = encode("PING")
PONG = encode("PONG")


def error_frame(text: str) -> str:
    return encode("ERROR", error=text)


def event_frame(network_id: str, event_id: str, body: str) -> str:
    """EVENT with the stored canonical event JSON spliced in (no re-encoding per connection)."""
    return (f'{{"op":"EVENT","version":"{VERSION}","network_id":{_dump(network_id)},"capabilities":{{}},'
            f'"cursor":{_dump(event_id)},"event":{body}}}')


_DECODED.update((text, decode(text)) for text in _COMMON)
