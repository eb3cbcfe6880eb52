"""Frame decoding mirrors Go's encoding/json; server frames have the documented exact
shape (docs/protocol/attach.md §4)."""

from __future__ import annotations

import json

import pytest

from attach import frames
from attach.frames import FrameError, decode
from moltnet.gocompat import quote


def test_server_frames_always_carry_version_and_empty_capabilities():
    assert json.loads(frames.HELLO) == {"op": "HELLO", "version": "moltnet.attach.v1",
                                        "heartbeat_interval_ms": 5000, "capabilities": {}}
    assert frames.PING == '{"op":"PING","version":"moltnet.attach.v1","capabilities":{}}'
    assert json.loads(frames.error_frame("  boom \n")) == {"op": "ERROR", "version": "moltnet.attach.v1",
                                                           "capabilities": {}, "error": "boom"}
    event = frames.event_frame("lab", "evt_1", '{"id":"evt_1","type":"x"}')
    assert json.loads(event) == {"op": "EVENT", "version": "moltnet.attach.v1", "network_id": "lab",
                                 "capabilities": {}, "cursor": "evt_1", "event": {"id": "evt_1", "type": "x"}}


def test_decoding_follows_go_rules():
    assert decode("null").op == ""
    assert decode('{"op":"PING","op":"ACK"}').op == "ACK"  # last duplicate wins
    assert decode('{"Op":"PING","VERSION":"v"}').version == "v"  # case-insensitive names
    assert decode('{"op":"ACK","unknown":[1,2]}').op == "ACK"
    assert decode('{"agent":{"ID":"luna"}}').agent == {"id": "luna"}
    assert decode('{"op":null}').op == ""


@pytest.mark.parametrize("text", ['{"op":5}', "[]", '"IDENTIFY"', "12", '{"agent":"luna"}', '{"agent":{"id":1}}',
                                  '{"capabilities":{"rooms":"yes"}}', '{"heartbeat_interval_ms":1.5}', "{",
                                  '{"event":[]}', '{"op":"PING","x":NaN}', '{"op":"PING"} {}',
                                  '{"heartbeat_interval_ms":1e400}'])
def test_undecodable_frames(text):
    with pytest.raises(FrameError, match="attachment frame must be valid JSON"):
        decode(text)


def test_go_quote():
    assert quote("a\tb") == '"a\\tb"'
    assert quote('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert quote("\x00\x7f") == '"\\x00\\x7f"'
    assert quote("café") == '"café"'


def test_common_heartbeat_frames_decode_as_decode_would():
    for text in ('{"op":"PONG"}', '{"op":"PONG","version":"moltnet.attach.v1"}', frames.PONG, '{"op":"PONG" }'):
        assert frames.decode_cached(text) == decode(text)
