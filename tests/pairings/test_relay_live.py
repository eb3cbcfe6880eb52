"""Relay between two real server processes: rooms, threads and DMs cross both ways, once, with origin."""

from __future__ import annotations

import json

import pytest

from tests.support.pairings import FAST_RELAY, Pair, assert_once_in_issue_order, network_config, wait_for
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.live


def send(client, body: dict) -> dict:
    response = client.post("/v1/messages", json=body)
    assert response.status_code == 202, response.text
    return response.json()


def room_messages(client, room: str = "atrium") -> list[dict]:
    response = client.get(f"/v1/rooms/{room}/messages", params={"limit": 500})
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def find(messages: list[dict], message_id: str) -> dict | None:
    return next((m for m in messages if m["id"] == message_id), None)


def pairing(client, pairing_id: str) -> dict:
    items = client.get("/v1/pairings").json()["pairings"]
    return next(p for p in items if p["id"] == pairing_id)


def exchange(pair: Pair, sender: str, receiver: str, agent: str, remote_agent: str) -> list[str]:
    """Send a room message, a thread reply and a scoped DM from `sender`; return their ids."""
    ops = pair.ops(sender)
    author = {"type": "agent", "id": agent, "name": agent.title()}
    room = send(ops, {"id": f"m_{sender}_room", "target": {"kind": "room", "room_id": "atrium"}, "from": author,
                      "parts": [{"kind": "text", "text": f"hello from {sender} @{receiver}:{remote_agent}"}]})
    reply = send(ops, {"id": f"m_{sender}_reply", "from": author, "parts": [{"kind": "text", "text": "a reply"}],
                       "target": {"kind": "thread", "room_id": "atrium", "thread_id": f"t_{sender}",
                                  "parent_message_id": room["message_id"]}})
    dm = send(ops, {"id": f"m_{sender}_dm", "from": author, "parts": [{"kind": "text", "text": "psst"}],
                    "target": {"kind": "dm", "dm_id": f"dm_{sender}",
                               "participant_ids": [agent, f"{receiver}:{remote_agent}"]}})
    return [room["message_id"], reply["message_id"], dm["message_id"]]


def assert_arrived(pair: Pair, sender: str, receiver: str, agent: str, remote_agent: str) -> None:
    ops = pair.ops(receiver)
    room = wait_for(lambda: find(room_messages(ops), f"m_{sender}_room"))
    assert room["network_id"] == receiver
    assert room["origin"] == {"network_id": sender, "message_id": f"m_{sender}_room"}
    assert room["from"]["network_id"] == sender
    assert room["from"]["fqid"] == f"molt://{sender}/agents/{agent}"
    assert room["mentions"] == [f"molt://{receiver}/agents/{remote_agent}"]

    def reply():
        response = ops.get(f"/v1/threads/t_{sender}/messages")
        return response.status_code == 200 and find(response.json()["messages"], f"m_{sender}_reply")

    threaded = wait_for(reply)
    assert threaded["target"] == {"kind": "thread", "room_id": "atrium", "thread_id": f"t_{sender}",
                                  "parent_message_id": f"m_{sender}_room"}
    assert threaded["origin"]["network_id"] == sender

    def dm():
        response = ops.get(f"/v1/dms/dm_{sender}/messages")
        return response.status_code == 200 and find(response.json()["messages"], f"m_{sender}_dm")

    direct = wait_for(dm)
    assert direct["origin"] == {"network_id": sender, "message_id": f"m_{sender}_dm"}
    assert direct["target"]["participant_ids"] == [f"{sender}:{agent}", f"{receiver}:{remote_agent}"]


def test_room_thread_and_dm_cross_both_ways_with_origin_and_are_not_relayed_back(paired: Pair) -> None:
    exchange(paired, "alpha", "beta", "luna", "gamma")
    exchange(paired, "beta", "alpha", "gamma", "luna")

    assert_arrived(paired, "alpha", "beta", "luna", "gamma")
    assert_arrived(paired, "beta", "alpha", "gamma", "luna")

    # Each side relayed exactly its own three messages; the three it received stay home.
    for network, remote in (("alpha", "beta"), ("beta", "alpha")):
        ops = paired.ops(network)
        state = wait_for(lambda ops=ops, remote=remote: (p := pairing(ops, remote))["relay"]["queued"] == 0 and p)
        assert state["status"] == "connected"
        assert state["relay"]["relayed"] == 3
        assert state["relay"]["dropped"] == 0
        ids = [m["id"] for m in room_messages(ops)]
        assert sorted(ids) == ["m_alpha_room", "m_beta_room"]
        assert "token" not in state


def test_partner_down_while_100_messages_are_sent_gets_all_once_in_issue_order(paired: Pair) -> None:
    alpha = paired.ops("alpha")
    assert paired.beta.stop() == 0  # SIGTERM stops the server and its relay workers cleanly
    sent = [send(alpha, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "luna"},
                         "parts": [{"kind": "text", "text": f"message {i}"}]})["message_id"] for i in range(100)]

    down = wait_for(lambda: (p := pairing(alpha, "beta"))["status"] == "error" and p)
    assert down["diagnostics"]["reason"] == "remote_request_failed"
    assert down["relay"]["queued"] == 100
    assert down["relay"]["last_error"]

    paired.beta.start()
    beta = paired.ops("beta")
    arrived = wait_for(lambda: len(msgs := room_messages(beta)) >= 100 and msgs, timeout=60)
    assert_once_in_issue_order([m["id"] for m in arrived], sent)
    assert all(m["origin"]["network_id"] == "alpha" for m in arrived)

    settled = wait_for(lambda: (p := pairing(alpha, "beta"))["relay"]["queued"] == 0 and p)
    assert settled["status"] == "connected"
    assert settled["relay"]["relayed"] == 100
    metrics = alpha.get("/metrics").text
    assert 'moltnet_relay_queued_messages{pairing="beta"} 0' in metrics
    assert 'moltnet_relay_total{result="success"} 100' in metrics


def test_wrong_token_shows_error_with_a_redacted_diagnostic(live_server_factory) -> None:
    wrong = "wrong-secret-3c9e1d"
    alpha_port, beta_port = free_port(), free_port()
    live_server_factory(network_config("beta", "alpha", alpha_port, inbound_token="alpha-to-beta-secret",
                                       outbound_token="beta-to-alpha-secret", members=["gamma", "alpha:luna"]),
                        name="beta", port=beta_port, env=FAST_RELAY)
    # The file's pairing has the right token; MOLTNET_PAIRINGS_JSON replaces it with a wrong one.
    pairings = [{"id": "beta", "remote_network_id": "beta", "remote_base_url": f"http://127.0.0.1:{beta_port}",
                 "token": wrong}]
    alpha = live_server_factory(network_config("alpha", "beta", beta_port, inbound_token="beta-to-alpha-secret",
                                               outbound_token="alpha-to-beta-secret", members=["luna", "beta:gamma"]),
                                name="alpha", port=alpha_port, env={**FAST_RELAY,
                                                                    "MOLTNET_PAIRINGS_JSON": json.dumps(pairings)})
    ops = alpha.client("alpha-operator-secret")
    send(ops, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
               "parts": [{"kind": "text", "text": "are you there?"}]})
    failed = wait_for(lambda: (p := pairing(ops, "beta"))["status"] == "error" and p["relay"]["last_error"] and p)
    assert failed["diagnostics"]["reason"] == "remote_request_failed"
    assert failed["diagnostics"]["message"] == "Remote network metadata could not be fetched."
    assert "401" in failed["relay"]["last_error"]
    assert failed["relay"]["queued"] == 1
    assert ops.get("/v1/pairings/beta/network").json() == {
        "error": "bad gateway", "code": "bad_gateway", "request_id": ANY_REQUEST_ID}
    assert wrong not in ops.get("/v1/pairings").text
    assert wrong not in ops.get("/metrics").text
    assert 'moltnet_relay_consecutive_failures{pairing="beta"}' in ops.get("/metrics").text
    warnings = ops.get("/v1/network").json()["warnings"]
    assert [w["code"] for w in warnings] == ["pairings.error"]
    alpha.stop()
    assert wrong not in alpha.log()


class _AnyRequestId(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)

    __hash__ = str.__hash__


ANY_REQUEST_ID = _AnyRequestId()


def test_a_room_the_partner_lacks_is_refused_recorded_and_skipped(paired: Pair) -> None:
    alpha = paired.ops("alpha")
    assert alpha.post("/v1/rooms", json={"id": "lab", "members": ["luna"]}).status_code == 201
    refused = send(alpha, {"target": {"kind": "room", "room_id": "lab"}, "from": {"id": "luna"},
                           "parts": [{"kind": "text", "text": "beta has no lab"}]})["message_id"]
    after = send(alpha, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
                         "parts": [{"kind": "text", "text": "this one still goes"}]})["message_id"]
    beta = paired.ops("beta")
    wait_for(lambda: find(room_messages(beta), after))
    state = wait_for(lambda: (p := pairing(alpha, "beta"))["relay"]["queued"] == 0 and p)
    assert state["relay"]["refused"] == 1 and state["relay"]["relayed"] == 1
    refusal = state["relay"]["last_refusal"]
    assert refusal["message_id"] == refused and refusal["status"] == 404
    assert 'unknown room "lab"' in refusal["error"] and "alpha-to-beta-secret" not in json.dumps(state)
    assert 'moltnet_relay_refused_total{pairing="beta"} 1' in alpha.get("/metrics").text


def test_a_bad_relay_setting_stops_start_with_one_line(tmp_path) -> None:
    from tests.moltnet.test_live_start import one_error_line, run_start

    (tmp_path / "Moltnet").write_text("network:\n  id: alpha\n")
    message = one_error_line(run_start(tmp_path, {"MOLTNET_RELAY_CONCURRENCY": "0"}))
    assert message == "MOLTNET_RELAY_CONCURRENCY must be a whole number from 1 to 64, got '0'"


def test_moltnet_start_keeps_eight_relays_in_flight_to_a_slow_partner(live_server_factory, remote) -> None:
    remote.latency = 1.0  # long enough for 8 sends to pile up even on a loaded machine
    port = int(remote.url.rsplit(":", 1)[1])
    alpha = live_server_factory(network_config("alpha", "beta", port, inbound_token="b2a", outbound_token="a2b",
                                               members=["luna"]), name="alpha", env=FAST_RELAY)
    ops = alpha.client("alpha-operator-secret")
    sent = [send(ops, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
                       "parts": [{"kind": "text", "text": f"n{i}"}]})["message_id"] for i in range(24)]
    state = wait_for(lambda: (p := pairing(ops, "beta"))["relay"]["queued"] == 0 and p, timeout=30)
    assert state["relay"]["relayed"] == 24
    assert sorted({p.body["id"] for p in remote.posts()}) == sorted(sent)
    assert remote.max_active == 8  # one at a time, 24 answers would take 24 s
