"""The attachment client against real servers: preflight, ACK after delivery, reconnect, resume, token write-back."""

from __future__ import annotations

import json
import os
import stat

import pytest

from moltnet.config import ConfigError
from node.client import backoff, preflight
from tests.node.fakes.services import FakeControl
from tests.support.node import attached, bridge, connected, eventually, post, room

pytestmark = pytest.mark.live


@pytest.fixture
def control():
    fake = FakeControl()
    yield fake
    fake.stop()


def pi(server_or_url, agent_id: str, control: FakeControl, **kwargs):
    kwargs.setdefault("rooms", [{"id": "lobby", "wake": "all"}])
    return bridge(server_or_url, agent_id, {"kind": "pi", "control_url": f"{control.base}/control"}, **kwargs)


def wakes_of(control: FakeControl, text: str) -> int:
    return sum(1 for w in control.wakes() if w["message"].endswith("\n" + text))


async def test_preflight_reports_incompatibility_before_any_runtime_is_touched(studio, control):
    wrong = pi(studio, "pf-one", control, dms={"enabled": True})
    wrong.moltnet.network_id = "lab"
    with pytest.raises(ConfigError) as info:
        await preflight(wrong, {})
    assert str(info.value) == (f"moltnet compatibility check failed for {studio.base_url}: "
                               'network_id mismatch: expected "lab", reported "studio"')
    with pytest.raises(ConfigError) as info:
        await preflight(pi("http://u:p@127.0.0.1:9", "pf-two", control), {})
    assert str(info.value).startswith("request moltnet compatibility metadata from http://***@127.0.0.1:9/v1/network: ")
    assert control.requests == []


async def test_handler_failure_is_reported_then_redelivered_and_acked_once(studio, control):
    async with attached(pi(studio, "ack-one", control)):
        # Re-delivery resumes from the last ACKed cursor, so the attachment must have ACKed something first.
        post(studio, room("lobby"), "warm up")
        await eventually(lambda: wakes_of(control, "warm up") == 1)
        control.fail_first = 1
        post(studio, room("lobby"), "first try fails")
        await eventually(lambda: wakes_of(control, "first try fails") == 2, timeout=15)
        post(studio, room("lobby"), "next one")
        await eventually(lambda: wakes_of(control, "next one") == 1)
    assert wakes_of(control, "first try fails") == 2  # ACKed after the successful re-delivery, not again
    assert sum(1 for w in control.wakes() if w["from"] == "Moltnet Bootstrap") == 1  # once per process


async def test_reconnects_after_a_server_restart_without_losing_wakes(live_server_factory, control):
    from tests.support.node import STUDIO

    server = live_server_factory(STUDIO, name="restarting")
    async with attached(pi(server, "rs-one", control)):
        post(server, room("lobby"), "before restart")
        await eventually(lambda: wakes_of(control, "before restart") == 1)
        server.stop()
        server.start()
        post(server, room("lobby"), "during reconnect")  # sent before the node is back: replayed by cursor
        await eventually(lambda: wakes_of(control, "during reconnect") == 1, timeout=40)  # back-off grows to 15 s
        post(server, room("lobby"), "after reconnect")
        await eventually(lambda: wakes_of(control, "after reconnect") == 1)
    assert wakes_of(control, "before restart") == 1
    assert wakes_of(control, "during reconnect") == 1


async def test_node_restart_resumes_from_the_persisted_cursor(studio, control, tmp_path):
    cfg = pi(studio, "st-one", control, path=tmp_path / "bridge.json")
    async with attached(cfg):
        post(studio, room("lobby"), "seen before stopping")
        await eventually(lambda: wakes_of(control, "seen before stopping") == 1)
    post(studio, room("lobby"), "sent while the node was down")
    state = tmp_path / ".moltnet" / "node-state" / "studio--st-one.json"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
    async with attached(pi(studio, "st-one", control, path=tmp_path / "bridge.json")):
        await eventually(lambda: wakes_of(control, "sent while the node was down") == 1)
        post(studio, room("lobby"), "live again")
        await eventually(lambda: wakes_of(control, "live again") == 1)
    assert wakes_of(control, "seen before stopping") == 1
    saved = json.loads(state.read_text())
    assert saved["agent_id"] == "st-one" and saved["cursor"].startswith("evt_")


OPEN = """version: moltnet.v1
network: {id: studio, name: Studio}
auth:
  mode: open
  tokens:
    - {id: ops, value: ops-secret-token-0123456789, scopes: [observe, write, admin]}
rooms:
  - {id: lobby, name: Lobby, visibility: public}
"""


async def test_open_registration_token_is_saved_before_the_runtime_is_woken(live_server_factory, tmp_path):
    server = live_server_factory(OPEN, name="open")
    token_path = tmp_path / "tokens" / "op-one.token"
    seen_at_first_wake: list = []

    def snapshot(record: dict) -> None:
        if not seen_at_first_wake:
            seen_at_first_wake.append(token_path.read_text() if token_path.exists() else None)

    control = FakeControl(on_request=snapshot)
    try:
        def config():
            return pi(server, "op-one", control, moltnet={"auth_mode": "open", "token_path": str(token_path)})

        async with attached(config(), ready=False):
            await eventually(lambda: control.wakes())
        token = token_path.read_text()
        assert token.startswith("magt_v1_") and token.endswith("\n") and token.count("\n") == 1
        assert seen_at_first_wake == [token]
        assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
        # a restarted node attaches with the saved token (an anonymous re-claim would be refused)
        async with attached(config(), ready=False):
            await eventually(lambda: len(control.wakes()) == 2)  # attached again: bootstrap of the new process
            with server.client("ops-secret-token-0123456789") as http:
                response = http.post("/v1/messages", json={"target": room("lobby"), "from": {"type": "human",
                                      "id": "ana"}, "parts": [{"kind": "text", "text": "welcome back"}]})
            assert response.status_code == 202, response.text
            await eventually(lambda: wakes_of(control, "welcome back") == 1)
        assert token_path.read_text() == token
    finally:
        control.stop()


def test_backoff_schedule_matches_the_spec():
    low = lambda a, b: a  # noqa: E731
    high = lambda a, b: b  # noqa: E731
    assert [backoff(n, low) for n in (1, 2, 3, 4, 5, 6, 9)] == [0.5, 0.8, 1.6, 3.2, 6.4, 12.0, 12.0]
    assert [backoff(n, high) for n in (1, 2, 3, 4, 5, 6)] == [0.6, 1.2, 2.4, 4.8, 9.6, 15.0]


async def test_a_slow_runtime_keeps_the_attachment_alive_by_answering_pings(studio):
    slow = FakeControl(delay=12)  # longer than the gateway's 10 s read deadline
    try:
        async with attached(pi(studio, "slow-one", slow)) as (runner,):
            post(studio, room("lobby"), "take your time")
            await eventually(lambda: wakes_of(slow, "take your time") == 1)
            cursor = runner.client.cursor
            await eventually(lambda: runner.client.cursor != cursor, timeout=20)  # ACKed after the slow answer
            assert connected(runner)
        assert wakes_of(slow, "take your time") == 1  # PONGs kept the session: no drop, no re-delivery
    finally:
        slow.stop()


async def test_preflight_reads_reported_protocols_trimmed_like_go():
    """docs/protocol/node.md §7.2: protocol names and legacy hints are compared trimmed; a list of blanks reports
    `none`."""
    from tests.node.fakes.services import FakeNetwork

    padded = {"id": " studio ", "protocols": {"http": [" moltnet.http.v1 "], "attach": ["moltnet.attach.v1 "]},
              "capabilities": {"attachment_protocol": " websocket ", "direct_messages": True}}
    blanks = {"id": "studio", "protocols": {"http": ["moltnet.http.v1"], "attach": ["", " "]},
              "capabilities": {"attachment_protocol": "websocket", "direct_messages": True}}
    legacy = {"id": "studio", "capabilities": {"attachment_protocol": "websocket ", "message_pagination": " cursor",
                                               "direct_messages": True}}
    for document, error in ((padded, None), (legacy, None), (blanks, "required protocol moltnet.attach.v1 in "
                                                                    "protocols.attach, reported none")):
        server = FakeNetwork(document)
        try:
            cfg = bridge(server.base, "pf-trim", {"kind": "pi", "control_url": f"{server.base}/control"},
                         dms={"enabled": True})
            if error is None:
                await preflight(cfg, {})
            else:
                with pytest.raises(ConfigError) as info:
                    await preflight(cfg, {})
                assert str(info.value) == f"moltnet compatibility check failed for {server.base}: {error}"
        finally:
            server.stop()
