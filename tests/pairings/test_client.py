"""The outbound pairing client against real (scripted) partner servers: it follows redirects, bounds
each call in total and accepts or refuses answers exactly where a Go peer's encoding/json would."""

from __future__ import annotations

import json

import pytest

from moltnet import state
from pairings.relay import PairingRelay, RelaySettings
from tests.pairings.remote import NETWORK, Drip, ScriptedRemote
from tests.pairings.test_views import TOKEN, pairings_config


@pytest.fixture
def elsewhere():
    server = ScriptedRemote()
    yield server
    server.close()


def beta_state(api) -> dict:
    return next(p for p in api.get("/v1/pairings").json()["pairings"] if p["id"] == "beta")


def test_redirects_are_followed_and_keep_the_token_on_the_same_origin(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/network"] = (308, b"", {"Location": "/moved/v1/network"})
    remote.answers["/moved/v1/network"] = (200, NETWORK)
    response = api.get("/v1/pairings/beta/network")
    assert response.status_code == 200 and response.json()["id"] == "beta"
    assert beta_state(api)["status"] == "connected"
    assert [s.path for s in remote.seen] == ["/v1/network", "/moved/v1/network"]
    assert remote.seen[1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_redirect_to_another_origin_does_not_carry_the_token(api, configure, remote, elsewhere) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/network"] = (302, b"", {"Location": f"{elsewhere.url}/v1/network"})
    assert api.get("/v1/pairings/beta/network").status_code == 200
    [followed] = elsewhere.seen
    assert "Authorization" not in followed.headers


def test_a_redirect_loop_is_a_failed_request(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/network"] = (302, b"", {"Location": "/v1/network"})
    assert api.get("/v1/pairings/beta/network").status_code == 502
    assert len(remote.seen) == 10  # Go's client: "stopped after 10 redirects"
    assert beta_state(api)["diagnostics"]["message"] == "Remote network metadata could not be fetched."


@pytest.mark.parametrize("changes", [
    {"id": 7},  # a number where Go expects a string
    {"capabilities": {**NETWORK["capabilities"], "direct_messages": "yes"}},
    {"protocols": {"http": "moltnet.http.v1"}},
])
def test_a_network_document_with_wrong_types_is_a_failed_fetch(api, configure, remote, changes) -> None:
    configure(pairings_config(remote.url))
    remote.network(**changes)
    response = api.get("/v1/pairings/beta/network")
    assert response.status_code == 502 and response.json()["error"] == "bad gateway"
    beta = beta_state(api)
    assert beta["status"] == "error"
    assert beta["diagnostics"]["message"] == "Remote network metadata could not be fetched."


def test_field_names_match_case_insensitively_and_nulls_are_zero_values(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/network"] = (200, {
        "ID": "beta", "Version": "0.3.1", "name": None, "console": None,
        "Protocols": {"HTTP": ["moltnet.http.v1"], "pair": ["moltnet.pair.v1"], "attach": None},
        "capabilities": {"Direct_Messages": True, "message_pagination": "cursor", "public_read": None}})
    body = api.get("/v1/pairings/beta/network").json()
    assert body == {"id": "beta", "name": "", "version": "0.3.1",
                    "protocols": {"http": ["moltnet.http.v1"], "pair": ["moltnet.pair.v1"]},
                    "capabilities": {"public_read": False, "human_ingress": False, "direct_messages": True,
                                     "message_pagination": "cursor", "pairings": False}}
    beta = beta_state(api)
    assert beta["status"] == "connected" and beta["diagnostics"]["remote_network_id"] == "beta"


def test_only_the_first_json_value_counts(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/network"] = (200, b"  \n" + json.dumps(NETWORK).encode() + b"\n<html>trailing junk")
    assert api.get("/v1/pairings/beta/network").status_code == 200
    assert beta_state(api)["status"] == "connected"


def test_a_room_with_an_unparsable_time_fails_the_rooms_fetch(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/rooms"] = (200, {"rooms": [{"id": "lobby", "name": "Lobby", "created_at": "yesterday"}]})
    assert api.get("/v1/pairings/beta/rooms").status_code == 502
    beta = beta_state(api)
    assert (beta["status"], beta["diagnostics"]["message"]) == ("error", "Remote rooms could not be fetched.")
    remote.answers["/v1/rooms"] = (200, {"rooms": [None, {"id": "lobby", "name": "Lobby", "created_at": None}]})
    assert api.get("/v1/pairings/beta/rooms").json()["rooms"] == [
        {"id": "", "name": "", "created_at": "0001-01-01T00:00:00Z"},
        {"id": "lobby", "name": "Lobby", "created_at": "0001-01-01T00:00:00Z"}]


def test_an_invalid_remote_base_url_is_a_502_and_an_error_status(api, configure) -> None:
    # MOLTNET_PAIRINGS_JSON is not validated, so such a URL can reach the client.
    configure({"network": {"id": "alpha"},
               "pairings": [{"id": "beta", "remote_network_id": "beta", "remote_base_url": "http://[::1"}]})
    response = api.get("/v1/pairings/beta/network")
    assert response.status_code == 502 and response.json()["code"] == "bad_gateway"
    assert beta_state(api)["diagnostics"]["reason"] == "remote_request_failed"


def relay_fixture(configure, remote, timeout: float = 5.0) -> PairingRelay:
    configure({"network": {"id": "alpha"}, "rooms": [{"id": "atrium", "members": ["luna"]}],
               "pairings": [{"id": "beta", "remote_network_id": "beta", "remote_base_url": remote.url}]},
              declared=True)
    relay = PairingRelay(state.config().pairings[0],
                         RelaySettings(backoff_min=0.01, backoff_max=0.01, poll_interval=0.01, timeout=timeout))
    relay.step()
    return relay


def send_room_message(api, message_id: str) -> None:
    response = api.post("/v1/messages", {"id": message_id, "target": {"kind": "room", "room_id": "atrium"},
                                         "from": {"id": "luna"}, "parts": [{"kind": "text", "text": "hi"}]})
    assert response.status_code == 202


def test_a_relay_answered_with_json_null_is_delivered(api, configure, remote) -> None:
    relay = relay_fixture(configure, remote)
    remote.answers["/v1/messages"] = (202, b"null")
    send_room_message(api, "msg_null")
    relay.step()
    progress = beta_state(api)
    assert progress["status"] == "connected"
    assert progress["relay"]["relayed"] == 1 and progress["relay"]["queued"] == 0
    assert [p.body["id"] for p in remote.posts()] == ["msg_null"]


def test_a_relay_redirected_with_307_is_posted_again_with_its_body(api, configure, remote) -> None:
    relay = relay_fixture(configure, remote)
    remote.answers["/v1/messages"] = (307, b"", {"Location": "/gateway/v1/messages"})
    remote.answers["/gateway/v1/messages"] = (202, {"message_id": "msg_moved", "accepted": True})
    send_room_message(api, "msg_moved")
    relay.step()
    assert [(p.path, p.body["id"]) for p in remote.posts()] == [("/v1/messages", "msg_moved"),
                                                               ("/gateway/v1/messages", "msg_moved")]
    assert beta_state(api)["relay"]["relayed"] == 1


def test_a_partner_trickling_its_answer_hits_the_total_deadline(api, configure, remote) -> None:
    relay = relay_fixture(configure, remote, timeout=0.5)
    accepted = json.dumps({"message_id": "msg_slow", "accepted": True}).encode()
    remote.answers["/v1/messages"] = (202, Drip([accepted[i:i + 4] for i in range(0, len(accepted), 4)], 0.1))
    send_room_message(api, "msg_slow")
    relay.step()  # every gap is shorter than the timeout, the whole answer takes longer
    progress = beta_state(api)
    assert progress["status"] == "error"
    assert progress["diagnostics"]["message"] == "Remote relay request failed."
    assert "timed out" in progress["relay"]["last_error"] and progress["relay"]["queued"] == 1
