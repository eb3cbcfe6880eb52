"""Client frames after READY (docs/protocol/attach.md §4, §6, §13, §14.3; checklist items 7–8, 11–12), in-process."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.test import AsyncClient
from websockets.exceptions import ConnectionClosed

from tests.support.attachclient import VERSION, Attachment
from tests.support.inprocess import Session, agent_event, error_and_close

# In-process (Channels' WebsocketCommunicator on AttachConsumer); only the 1009 close, which the
# server's WebSocket implementation enforces, runs against a live `moltnet start`.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def ready(none_network):
    att = await Session.open()
    assert (await att.identify("f-" + uuid.uuid4().hex[:12]))["op"] == "READY"
    yield att
    await att.close()


@pytest.fixture
def live_ready(none_server):
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
async def test_protocol_violations_get_an_error_then_the_connection_ends(ready, sent, error):
    await ready.send(sent if isinstance(sent, str) else json.dumps(sent))
    assert await error_and_close(ready) == error


async def test_binary_frames_are_refused(ready):
    await ready.communicator.send_to(bytes_data=b'{"op":"PING","version":"moltnet.attach.v1"}')
    assert await error_and_close(ready) == "attachment protocol only accepts text JSON frames"


@pytest.mark.live
def test_oversized_message_closes_with_1009(live_ready):
    try:
        live_ready.send('{"op":"PONG","pad":"' + "x" * (1 << 20) + '"}')
    except ConnectionClosed as during_send:  # the server may close before the client has sent it all
        frames, closed = [], during_send
    else:
        frames, closed = live_ready.until_closed()
    assert frames == [] or all(f["op"] == "PING" for f in frames)
    assert closed.rcvd is not None and closed.rcvd.code == 1009


async def test_ping_pong_and_versionless_pong(ready):
    await ready.send({"op": "PING", "version": VERSION})
    reply = await ready.recv()
    while reply["op"] == "PING":
        reply = await ready.recv()
    assert reply == {"op": "PONG", "version": VERSION, "capabilities": {}}
    await ready.send({"op": "PONG"})
    await ready.send({"op": "PONG", "version": VERSION})
    await ready.send({"op": "PING", "version": VERSION})
    # Versionless and versioned PONGs are accepted silently: the next non-PING reply is the PONG.
    reply = await ready.recv()
    while reply["op"] == "PING":
        reply = await ready.recv()
    assert reply == {"op": "PONG", "version": VERSION, "capabilities": {}}


async def test_server_pings_every_two_and_a_half_seconds(none_network):
    att = await Session.open()
    assert (await att.identify("pinger"))["op"] == "READY"
    started = time.monotonic()
    first = await att.recv(timeout=4)
    first_at = time.monotonic() - started
    second = await att.recv(timeout=4)
    gap = time.monotonic() - started - first_at
    assert first == {"op": "PING", "version": VERSION, "capabilities": {}} and second["op"] == "PING"
    # Go's ticker: the first PING one period (2.5 s) after READY, not right away.
    assert 2.0 < first_at < 3.2 and 2.0 < gap < 3.2
    await att.close()


async def test_silent_client_is_dropped_after_the_read_deadline(none_network):
    att = await Session.open()
    await att.identify("sleepy")
    started = time.monotonic()
    frames, _ = await att.until_closed(timeout=15)
    assert 9 < time.monotonic() - started < 13
    assert {f["op"] for f in frames} == {"PING"}  # no ERROR on a read deadline


async def test_client_error_frame_ends_the_session_without_reply(none_network):
    observer = await Session.open()
    await observer.identify("observer-ce")
    att = await Session.open()
    await att.identify("quitter")
    await att.send({"op": "ERROR", "version": VERSION, "error": "runtime session already in use"})
    frames, _ = await att.until_closed()
    assert [f for f in frames if f["op"] != "PING"] == []
    event = await agent_event(observer, "agent.disconnected", "quitter")
    assert event["agent"]["reason"] == "client_error"
    assert event["agent"]["error"] == "attachment client error: runtime session already in use"
    await observer.close()


async def test_versionless_client_error_is_a_version_violation(ready):
    await ready.send({"op": "ERROR", "error": "bye"})
    assert await error_and_close(ready) == "attachment ERROR version is required"


async def test_no_identify_within_ten_seconds_drops_silently(none_network):
    att = await Session.open()
    started = time.monotonic()
    frames, _ = await att.until_closed(timeout=14)
    assert frames == [] and 9 < time.monotonic() - started < 12.5


async def test_metrics_count_open_attachments(ready):
    text = (await AsyncClient().get("/metrics")).content.decode()
    gauge = [line for line in text.splitlines() if line.startswith("moltnet_active_attachments ")]
    assert gauge and float(gauge[0].split()[1]) >= 1
