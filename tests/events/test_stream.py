"""GET /v1/events/stream (docs/protocol/events.md §6–§7, checklist items 1–8): in-process under Channels'
ApplicationCommunicator on EventStreamConsumer; the 405 and its metrics label, which the ASGI routing
and Django's middleware produce, against a real server."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest

from tests.support import inprocess
from tests.support.attach import dm, room
from tests.support.inprocess import EventStream

pytestmark = pytest.mark.django_db(transaction=True)


async def test_stream_opens_with_a_comment_then_frames_events(none_network):
    stream = await EventStream.open()
    assert stream.status_code == 200
    assert stream.headers["content-type"] == "text/event-stream"
    assert stream.headers["cache-control"] == "no-cache"
    assert stream.headers["x-request-id"].startswith("req_")
    assert await stream.block() == ": stream-open"
    accepted = await inprocess.send(room(), "observed")
    event_id, event_type, data = (await stream.events_until(accepted["event_id"]))[-1]
    assert event_type == "message.created" and data["id"] == event_id and data["type"] == event_type
    assert data["message"]["parts"][0]["text"] == "observed"
    assert "retry:" not in "".join(stream.raw)
    await stream.close()


async def test_last_event_id_replays_later_events_only(none_network):
    first = await inprocess.send(room(), "one")
    later = [(await inprocess.send(room(), f"later {i}"))["event_id"] for i in range(3)]
    stream = await EventStream.open(headers={"Last-Event-ID": first["event_id"]})
    await stream.block()
    got = [e[0] for e in await stream.events_until(later[-1]) if e[1] == "message.created"]
    assert got == later
    await stream.close()


async def test_unknown_cursor_yields_a_gap_then_the_window(none_network):
    await inprocess.send(room(), "anything")
    stream = await EventStream.open(headers={"Last-Event-ID": "evt_missing"})
    await stream.block()
    event_id, event_type, data = await stream.event()
    assert event_id == "evt_gap_7379eb90a2c69688d7ba6b17124344ece04bae34e651b3936d1e782f7e1b2599"
    assert event_type == "stream.replay_gap" and data["replay_gap"]["requested_event_id"] == "evt_missing"
    assert (await stream.event())[0] == data["replay_gap"]["oldest_event_id"]
    await stream.close()


async def test_invalid_header_falls_back_to_the_query_parameter(none_network):
    first = await inprocess.send(room(), "first")
    second = await inprocess.send(room(), "second")
    stream = await EventStream.open(headers={"Last-Event-ID": "bad id"},
                    params={"last_event_id": first["event_id"]})
    await stream.block()
    assert [e[0] for e in await stream.events_until(second["event_id"]) if e[1] == "message.created"] == [
        second["event_id"]]
    await stream.close()
    gap_cursor = "evt_gap_" + hashlib.sha256(b"x").hexdigest()
    assert len(gap_cursor) == 72


async def test_anonymous_public_stream_hides_private_dm_and_agent_events(open_network):
    await inprocess.call("POST", "/v1/agents/register", {"requested_agent_id": "ops"}, token="ops-secret")
    anonymous = await EventStream.open()
    full = await EventStream.open("watch-secret")
    under = await EventStream.open("write-secret")  # valid but no observe: public stream, not 403
    assert under.status_code == 200
    await inprocess.send(room("vault"), "private", sender="ops", token="ops-secret")
    await inprocess.send(dm("ops", "vega"), "dm", sender="ops", token="ops-secret")
    await inprocess.call("PATCH", "/v1/rooms/vault/members", {"add": ["orion"]}, token="ops-secret")
    public = await inprocess.send(room("atrium"), "public", sender="ops", token="ops-secret")
    for stream in (anonymous, under):
        seen = await stream.events_until(public["event_id"])
        assert [(t, d.get("message", {}).get("id")) for _, t, d in seen] == [
            ("message.created", public["message_id"])]
    types = {t for _, t, _ in await full.events_until(public["event_id"])}
    assert {"dm.created", "room.members.updated", "message.created"} <= types
    for stream in (anonymous, full, under):
        await stream.close()


async def test_bearer_stream_access(bearer_network):
    assert (await EventStream.open()).status_code == 401
    forbidden = await EventStream.open("attach-secret")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    stream = await EventStream.open("watch-secret")
    assert await stream.block() == ": stream-open"
    await stream.close()


async def test_the_seventeenth_stream_of_one_token_is_refused(bearer_network):
    streams = [await EventStream.open("watch-secret") for _ in range(16)]
    assert [s.status_code for s in streams] == [200] * 16
    for stream in streams:
        assert await stream.block() == ": stream-open"
    extra = await EventStream.open("watch-secret")
    assert extra.status_code == 503
    assert extra.json() | {"request_id": ""} == {"error": "service unavailable", "code": "service_unavailable",
                                                 "request_id": ""}
    await streams.pop().close()
    reopened = None
    for _ in range(50):  # the slot frees once the server notices the disconnect
        reopened = await EventStream.open("watch-secret")
        if reopened.status_code == 200:
            break
        await reopened.close()
        await asyncio.sleep(0.1)
    assert reopened is not None and await reopened.block() == ": stream-open"
    for stream in [*streams, reopened]:
        await stream.close()


async def test_sse_metrics_gauge(none_network):
    stream = await EventStream.open()
    await stream.block()
    text = (await inprocess.call("GET", "/metrics")).content.decode()
    gauge = [line for line in text.splitlines() if line.startswith("moltnet_active_sse_subscribers ")]
    assert gauge and float(gauge[0].split()[1]) >= 1
    await stream.close()


async def test_no_block_is_lost_between_events(none_network):
    stream = await EventStream.open()
    await stream.block()
    ids = [(await inprocess.send(room(), f"burst {i}"))["event_id"] for i in range(20)]
    got = [e[0] for e in await stream.events_until(ids[-1]) if e[1] == "message.created"]
    assert got == ids
    with pytest.raises(TimeoutError):
        await stream.block(timeout=0.3)
    await stream.close()


async def test_mode_none_stream_is_full_even_with_public_read(public_none_network):
    # No auth is performed in mode none, so public_read does not narrow the SSE stream (docs/protocol/events.md §6.1).
    stream = await EventStream.open()
    await stream.block()
    private = await inprocess.send(room("vault"), "private")
    direct = await inprocess.send(dm("orion", "vega"), "between others")
    public = await inprocess.send(room("atrium"), "public")
    seen = [(t, d.get("message", {}).get("id")) for _, t, d in await stream.events_until(public["event_id"])
            if t in ("message.created", "dm.created")]
    assert seen == [("message.created", private["message_id"]), ("dm.created", None),
                    ("message.created", direct["message_id"]), ("message.created", public["message_id"])]
    await stream.close()


async def test_the_first_cursor_value_counts(none_network):
    first = await inprocess.send(room(), "first")
    second = await inprocess.send(room(), "second")
    third = await inprocess.send(room(), "third")
    by_query = await EventStream.open(params=[("last_event_id", first["event_id"]),
                                                    ("last_event_id", second["event_id"])])
    by_header = await EventStream.open(headers={"Last-Event-ID": first["event_id"],
                                                      "last-event-id": second["event_id"]})
    for stream in (by_query, by_header):
        await stream.block()
        got = [e[0] for e in await stream.events_until(third["event_id"]) if e[1] == "message.created"]
        assert got == [second["event_id"], third["event_id"]]
        await stream.close()


@pytest.mark.live
def test_a_non_get_is_a_405_carrying_a_request_id(none_server):
    response = httpx.post(none_server.base_url + "/v1/events/stream")
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"
    rid = response.headers["x-request-id"]
    assert rid.startswith("req_")
    assert response.json() == {"error": "method not allowed", "code": "method_not_allowed", "request_id": rid}
    kept = httpx.post(none_server.base_url + "/v1/events/stream", headers={"X-Request-Id": "trace-42"})
    assert kept.headers["x-request-id"] == "trace-42" and kept.json()["request_id"] == "trace-42"
    # A request matching no route is labelled with its method and raw path (docs/protocol/discovery-metrics.md §6.3).
    text = httpx.get(none_server.base_url + "/metrics").text
    assert 'moltnet_http_requests_total{method="POST",route="/v1/events/stream",status="405"} 2' in text
