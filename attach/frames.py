"""Attachment frames (docs/protocol/attach.md §4): decoded by the wire's one decoder (moltnet.decoding), and server
encoding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moltnet import jsonshape
from moltnet.decoding import DecodeError, WireModel, decode_document
from rooms.schemas import ActorIn

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


class _CapabilitiesIn(WireModel):
    rooms: bool = False
    threads: bool = False
    dms: bool = False
    artifacts: bool = False


class FrameIn(WireModel):
    """A client frame as the Go server's struct: every field it declares must have its type."""

    op: str = ""
    version: str = ""
    network_id: str = ""
    cursor: str = ""
    error: str = ""
    agent_id: str = ""
    actor_uid: str = ""
    actor_uri: str = ""
    agent_token: str = ""
    agent: ActorIn | None = None  # the actor shape of a message's `from`
    capabilities: _CapabilitiesIn | None = None
    heartbeat_interval_ms: int = 0
    event: dict[str, Any] | None = None


def decode(text: str) -> Frame:
    """Decode one text frame by the wire's one decoder; FrameError(ERR_JSON) where Go's Unmarshal fails."""
    try:
        frame = decode_document(text, FrameIn)
    except DecodeError:
        raise FrameError(ERR_JSON) from None
    agent = None if frame.agent is None else frame.agent.model_dump(exclude_unset=True)  # the fields sent
    return Frame(frame.op, frame.version, frame.network_id, frame.cursor, frame.error, agent)


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
    return jsonshape.dumps(value)


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
