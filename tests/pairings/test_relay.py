"""The relay worker's decisions and request bodies, stepped synchronously against scripted partners."""

from __future__ import annotations

import time

import pytest

from moltnet import state
from pairings.relay import PairingRelay, RelaySettings
from tests.pairings.remote import ACCEPTED, NETWORK, ScriptedRemote
from tests.pairings.test_views import pairing_events

FAST = RelaySettings(backoff_min=0.01, backoff_max=0.05, poll_interval=0.01, freshness=300)


@pytest.fixture
def other():
    server = ScriptedRemote()
    server.network(id="delta")
    yield server
    server.close()


@pytest.fixture
def alpha(api, configure, beta, other):
    """Network alpha (auth none) paired with beta and delta; room atrium has local and remote members."""
    configure({"network": {"id": "alpha", "name": "Alpha Net"},
               "rooms": [{"id": "atrium", "members": ["luna", "beta:gamma"]}],
               "pairings": [{"id": "beta", "remote_network_id": "beta", "remote_base_url": beta.url, "token": "t-b"},
                            {"id": "delta", "remote_network_id": "delta", "remote_base_url": other.url}]},
              declared=True)
    relays = [PairingRelay(p, FAST) for p in state.config().pairings]
    for relay in relays:
        relay.step()  # creates the pairing state with the cursor at the end of the log
    return relays


def send(api, body: dict) -> None:
    response = api.post("/v1/messages", body)
    assert response.status_code == 202, response.content


def drain(relay: PairingRelay, steps: int = 10) -> None:
    """Step like the worker does, waiting out the (short) backoff a step asks for."""
    for _ in range(steps):
        time.sleep(min(relay.step(), 0.1))


def progress(api, pairing_id: str) -> dict:
    return next(p for p in api.get("/v1/pairings").json()["pairings"] if p["id"] == pairing_id)


def test_room_message_is_relayed_to_every_pairing_with_the_spec_body(api, alpha, beta, other) -> None:
    send(api, {"id": "msg_1", "target": {"kind": "room", "room_id": "atrium"},
               "from": {"type": "agent", "id": "luna", "name": "Luna"},
               "parts": [{"kind": "text", "text": "@beta:gamma ping"}]})
    for relay in alpha:
        drain(relay)
    [post] = beta.posts()
    assert post.path == "/v1/messages"
    assert post.headers["Authorization"] == "Bearer t-b"
    assert post.headers["Content-Type"] == "application/json"
    assert post.body == {
        "id": "msg_1", "origin": {"network_id": "alpha", "message_id": "msg_1"},
        "target": {"kind": "room", "room_id": "atrium"},
        "from": {"type": "agent", "id": "luna", "name": "Luna", "network_id": "alpha",
                 "fqid": "molt://alpha/agents/luna"},
        "parts": [{"kind": "text", "text": "@beta:gamma ping"}],
        "mentions": ["molt://beta/agents/gamma"],
    }
    assert list(post.body) == ["id", "origin", "target", "from", "parts", "mentions"]
    assert "Authorization" not in other.posts()[0].headers  # no token configured → no header
    assert progress(api, "beta")["relay"] | {"queued": 0, "relayed": 1} == progress(api, "beta")["relay"]


def test_scoped_dm_goes_only_to_the_named_network_with_rewritten_participants(api, alpha, beta, other) -> None:
    send(api, {"id": "msg_dm", "target": {"kind": "dm", "dm_id": "dm_luna_gamma",
                                          "participant_ids": ["luna", "beta:gamma"]},
               "from": {"type": "agent", "id": "luna"}, "parts": [{"kind": "text", "text": "hi"}]})
    send(api, {"id": "msg_local_dm", "target": {"kind": "dm", "dm_id": "dm_local",
                                                "participant_ids": ["luna", "sol"]},
               "from": {"type": "agent", "id": "luna"}, "parts": [{"kind": "text", "text": "stays home"}]})
    for relay in alpha:
        drain(relay)
    [post] = beta.posts()
    assert post.body["target"] == {"kind": "dm", "dm_id": "dm_luna_gamma", "participant_ids": ["alpha:luna",
                                                                                                "beta:gamma"]}
    assert other.posts() == []


def test_relayed_in_messages_are_never_relayed_again(api, alpha, beta) -> None:
    send(api, {"id": "msg_from_beta", "origin": {"network_id": "beta", "message_id": "msg_from_beta"},
               "target": {"kind": "room", "room_id": "atrium"},
               "from": {"type": "agent", "id": "gamma", "network_id": "beta"},
               "parts": [{"kind": "text", "text": "hello alpha"}]})
    drain(alpha[0])
    assert beta.posts() == []
    assert progress(api, "beta")["relay"]["queued"] == 0


def test_incompatible_partner_holds_the_queue_until_it_is_fixed(api, alpha, beta) -> None:
    beta.network(protocols={"http": ["moltnet.http.v1"], "pair": ["moltnet.pair.v0"]})
    send(api, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
               "parts": [{"kind": "text", "text": "wait for me"}]})
    drain(alpha[0])
    held = progress(api, "beta")
    assert held["status"] == "incompatible" and held["diagnostics"]["reason"] == "unsupported_pair_protocol"
    assert held["relay"]["queued"] == 1 and beta.posts() == []
    checks = len(beta.seen)
    drain(alpha[0])
    assert len(beta.seen) == checks  # a fresh `incompatible` is not re-checked (5 minutes)
    beta.network()
    impatient = PairingRelay(alpha[0].pairing, RelaySettings(freshness=0.001, poll_interval=0.01))
    drain(impatient, 2)
    assert len(beta.posts()) == 1
    assert progress(api, "beta")["status"] == "connected"


def test_dms_are_dropped_when_the_partner_disables_them_but_rooms_flow(api, alpha, beta) -> None:
    beta.network(capabilities={**NETWORK["capabilities"], "direct_messages": False})
    send(api, {"id": "msg_dm", "target": {"kind": "dm", "dm_id": "d1", "participant_ids": ["luna", "beta:gamma"]},
               "from": {"id": "luna"}, "parts": [{"kind": "text", "text": "x"}]})
    send(api, {"id": "msg_room", "target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
               "parts": [{"kind": "text", "text": "y"}]})
    drain(alpha[0])
    assert [p.body["id"] for p in beta.posts()] == ["msg_room"]
    assert [e["status"] for e in pairing_events()] == ["degraded"]  # the relay success changed nothing
    beta_state = progress(api, "beta")
    assert beta_state["status"] == "degraded"
    assert beta_state["relay"]["dropped"] == 1 and "direct messages disabled" in beta_state["relay"]["last_error"]


def test_a_message_the_partner_refuses_for_good_is_recorded_and_skipped_at_once(api, alpha, beta) -> None:
    beta.by_message["msg_rejected"] = (403, {"error": 'room "atrium" write policy forbids sender',
                                             "code": "forbidden"})
    for message_id in ("msg_rejected", "msg_next"):
        send(api, {"id": message_id, "target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
                   "parts": [{"kind": "text", "text": "x"}]})
    drain(alpha[0], 3)
    assert sorted(p.body["id"] for p in beta.posts()) == ["msg_next", "msg_rejected"]  # no retry, no stall
    relay = progress(api, "beta")["relay"]
    assert relay["queued"] == 0 and relay["relayed"] == 1
    assert relay["refused"] == 1 and relay["dropped"] == 1
    assert relay["last_refusal"]["message_id"] == "msg_rejected" and relay["last_refusal"]["status"] == 403
    assert "write policy forbids sender" in relay["last_refusal"]["error"]
    assert "t-b" not in str(relay)  # the pairing token is never shown


def test_only_the_lease_holder_relays(api, alpha, beta) -> None:
    other_process = PairingRelay(alpha[0].pairing, FAST, owner="another-process")
    send(api, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
               "parts": [{"kind": "text", "text": "once"}]})
    other_process.step()
    drain(alpha[0])
    assert len(beta.posts()) == 1



def test_a_token_without_enough_scope_never_drops_messages(api, alpha, beta) -> None:
    beta.answers["/v1/messages"] = (403, {"error": "forbidden", "code": "forbidden"})
    send(api, {"id": "msg_kept", "target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
               "parts": [{"kind": "text", "text": "x"}]})
    drain(alpha[0], 6)
    kept = progress(api, "beta")["relay"]
    assert kept["dropped"] == 0 and kept["queued"] == 1
    beta.answers["/v1/messages"] = (202, ACCEPTED)
    drain(alpha[0])
    assert beta.posts()[-1].body["id"] == "msg_kept"
    assert progress(api, "beta")["relay"]["queued"] == 0


def test_a_custom_configured_status_waits_for_a_discovery_call(api, configure, beta) -> None:
    configure({"network": {"id": "alpha"}, "rooms": [{"id": "atrium", "members": ["luna"]}],
               "pairings": [{"id": "beta", "remote_network_id": "beta", "remote_base_url": beta.url,
                             "status": "paused"}]}, declared=True)
    relay = PairingRelay(state.config().pairings[0], FAST)
    relay.step()
    send(api, {"id": "msg_waiting", "target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
               "parts": [{"kind": "text", "text": "x"}]})
    drain(relay)
    assert beta.seen == [] and progress(api, "beta")["status"] == "paused"
    assert api.get("/v1/pairings/beta/network").status_code == 200
    drain(relay)
    assert [p.body["id"] for p in beta.posts()] == ["msg_waiting"]


def test_queued_counts_only_what_this_partner_will_receive(api, alpha, beta) -> None:
    beta.answers["/v1/network"] = (503, {"error": "down for maintenance"})
    send(api, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
               "parts": [{"kind": "text", "text": "for everyone"}]})
    for dm_id, participants in (("dm_beta", ["luna", "beta:gamma"]), ("dm_delta", ["luna", "delta:kai"]),
                                ("dm_home", ["luna", "sol"])):
        send(api, {"target": {"kind": "dm", "dm_id": dm_id, "participant_ids": participants}, "from": {"id": "luna"},
                   "parts": [{"kind": "text", "text": "psst"}]})
    alpha[0].step()  # beta is down: its backlog stays
    waiting = progress(api, "beta")
    assert waiting["status"] == "error"
    assert waiting["relay"]["queued"] == 2  # the room message and the DM scoped to beta
    metrics = api.get("/metrics").content.decode()
    assert 'moltnet_relay_queued_messages{pairing="beta"} 2\n' in metrics
