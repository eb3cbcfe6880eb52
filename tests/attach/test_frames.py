"""Client frames after READY (spec 05 §4, §6, §13, §14.3; checklist items 7–8, 11–12)."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from tests.support.attachclient import VERSION, Attachment, error_and_close

pytestmark = pytest.mark.live


@pytest.fixture
def ready(none_server):
    att = Attachment(none_server.ws_url)
    assert att.identify("f-" + uuid.uuid4().hex[:12])["op"] == "READY"
    yield att
    att.close()


@pytest.mark.parametrize(("sent", "error"), [
    ({"op": "PING"}, "attachment PING version is required"),
    ({"op": "PING", "version": "v0"}, 'attachment PING version "v0" does not match "moltnet.attach.v1"'),
    ({"op": "ACK", "version": "v0", "cursor": "evt_x"}, 'attachment ACK version "v0" does not match '
                                                         '"moltnet.attach.v1"'),
    ({"op": "FOO", "version": VERSION}, 'unexpected frame op "FOO"'),
    ({"op": "ack", "version": VERSION}, 'unexpected frame op "ack"'),
    ({"op": "IDENTIFY", "version": VERSION}, 'unexpected frame op "IDENTIFY"'),
    ({"op": "FOO"}, "attachment FOO version is required"),
    ({"version": VERSION}, 'unexpected frame op ""'),
    ("null", "attachment frame version is required"),
    ({"op": "ACK", "cursor": "evt_unknown"}, "unexpected ACK cursor"),
    ({"op": "ACK"}, "unexpected ACK cursor"),
    ("{not json", "attachment frame must be valid JSON"),
    ('{"op":"PING","version":1}', "attachment frame must be valid JSON"),
])
def test_protocol_violations_get_an_error_then_the_connection_ends(ready, sent, error):
    ready.send(sent if isinstance(sent, str) else json.dumps(sent))
    assert error_and_close(ready) == error


def test_binary_frames_are_refused(ready):
    ready.ws.send(b'{"op":"PING","version":"moltnet.attach.v1"}')
    assert error_and_close(ready) == "attachment protocol only accepts text JSON frames"


def test_oversized_message_closes_with_1009(ready):
    ready.send('{"op":"PONG","pad":"' + "x" * (1 << 20) + '"}')
    frames, closed = ready.until_closed()
    assert frames == [] or all(f["op"] == "PING" for f in frames)
    assert closed.rcvd is not None and closed.rcvd.code == 1009


def test_ping_pong_and_versionless_pong(ready):
    ready.send({"op": "PING", "version": VERSION})
    reply = ready.recv()
    while reply["op"] == "PING":
        reply = ready.recv()
    assert reply == {"op": "PONG", "version": VERSION, "capabilities": {}}
    ready.send({"op": "PONG"})
    ready.send({"op": "PONG", "version": VERSION})
    ready.send({"op": "PING", "version": VERSION})
    assert "PONG" in [ready.recv()["op"], ready.recv()["op"]] or ready.recv()["op"] == "PONG"


def test_server_pings_every_two_and_a_half_seconds(none_server):
    att = Attachment(none_server.ws_url)
    assert att.identify("pinger")["op"] == "READY"
    started = time.monotonic()
    first = att.recv(timeout=4)
    first_at = time.monotonic() - started
    second = att.recv(timeout=4)
    gap = time.monotonic() - started - first_at
    assert first == {"op": "PING", "version": VERSION, "capabilities": {}} and second["op"] == "PING"
    # Go's ticker: the first PING one period (2.5 s) after READY, not right away.
    assert 2.0 < first_at < 3.2 and 2.0 < gap < 3.2
    att.close()


def test_silent_client_is_dropped_after_the_read_deadline(none_server):
    att = Attachment(none_server.ws_url)
    att.identify("sleepy")
    started = time.monotonic()
    frames, _ = att.until_closed(timeout=15)
    assert 9 < time.monotonic() - started < 13
    assert {f["op"] for f in frames} == {"PING"}  # no ERROR on a read deadline


def test_client_error_frame_ends_the_session_without_reply(none_server):
    observer = Attachment(none_server.ws_url)
    observer.identify("observer-ce")
    att = Attachment(none_server.ws_url)
    att.identify("quitter")
    att.send({"op": "ERROR", "version": VERSION, "error": "runtime session already in use"})
    frames, _ = att.until_closed()
    assert [f for f in frames if f["op"] != "PING"] == []
    event = wait_for_agent_event(observer, "agent.disconnected", "quitter")
    assert event["agent"]["reason"] == "client_error"
    assert event["agent"]["error"] == "attachment client error: runtime session already in use"
    observer.close()


def test_versionless_client_error_is_a_version_violation(ready):
    ready.send({"op": "ERROR", "error": "bye"})
    assert error_and_close(ready) == "attachment ERROR version is required"


def test_no_identify_within_ten_seconds_drops_silently(none_server):
    att = Attachment(none_server.ws_url)
    started = time.monotonic()
    frames, _ = att.until_closed(timeout=14)
    assert frames == [] and 9 < time.monotonic() - started < 12.5


def test_metrics_count_open_attachments(none_server, ready):
    text = httpx.get(none_server.base_url + "/metrics").text
    gauge = [line for line in text.splitlines() if line.startswith("moltnet_active_attachments ")]
    assert gauge and float(gauge[0].split()[1]) >= 1


def wait_for_agent_event(observer: Attachment, event_type: str, agent_id: str, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = observer.event_of_type(event_type, timeout=max(0.01, deadline - time.monotonic()))
        if event["agent"]["agent_id"] == agent_id:
            return event
