"""Pairings that never stall: several relays in flight per pairing, a permanent refusal recorded and
skipped, transient failures retried (Retry-After honoured), and a cursor that never passes an
unanswered message."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from moltnet import state
from moltnet.config import ConfigError
from pairings.models import PairingState, RelayRefusal
from pairings.relay import PairingRelay, RelaySettings
from tests.pairings.remote import ACCEPTED, Drip

FAST = RelaySettings(backoff_min=0.01, backoff_max=0.05, poll_interval=0.01)


@pytest.fixture
def configure_alpha(api, configure, beta):
    def build(settings: RelaySettings = FAST) -> PairingRelay:
        configure({"network": {"id": "alpha"},
                   "rooms": [{"id": "atrium", "members": ["luna"]}],
                   "pairings": [{"id": "beta", "remote_network_id": "beta", "remote_base_url": beta.url,
                                 "token": "window-secret-token"}]}, declared=True)
        relay = PairingRelay(state.config().pairings[0], settings)
        relay.step()  # the pairing's state row, cursor at the end of the log
        return relay
    return build


def send(api, *ids: str) -> None:
    for message_id in ids:
        response = api.post("/v1/messages", {"id": message_id, "target": {"kind": "room", "room_id": "atrium"},
                                             "from": {"id": "luna"}, "parts": [{"kind": "text", "text": "x"}]})
        assert response.status_code == 202, response.content


def relay_state(api) -> dict:
    return api.get("/v1/pairings").json()["pairings"][0]


def drain(relay: PairingRelay, until, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "relay did not finish in time"
        relay.step(wait_for=0.2)


def test_a_slow_partner_gets_eight_requests_at_once_issued_in_log_order(api, configure_alpha, beta) -> None:
    relay = configure_alpha()
    beta.latency = 0.4
    ids = [f"msg_{i:02d}" for i in range(16)]
    send(api, *ids)
    started = time.monotonic()
    drain(relay, lambda: relay_state(api)["relay"]["queued"] == 0)
    elapsed = time.monotonic() - started
    posts = [p.body["id"] for p in beta.posts()]
    assert sorted(posts) == ids
    assert beta.max_active == 8
    # Nothing past the first eight leaves before one of them is answered: issue follows the log.
    assert sorted(posts[:8]) == ids[:8]
    assert elapsed < 16 * 0.4 / 2  # one at a time would take 6.4 s
    assert relay_state(api)["relay"]["relayed"] == 16


def test_one_in_flight_reproduces_the_old_strict_order(api, configure_alpha, beta) -> None:
    relay = configure_alpha(RelaySettings(backoff_min=0.01, backoff_max=0.05, poll_interval=0.01, concurrency=1))
    beta.latency = 0.05
    ids = [f"msg_{i}" for i in range(6)]
    send(api, *ids)
    drain(relay, lambda: relay_state(api)["relay"]["queued"] == 0)
    assert [p.body["id"] for p in beta.posts()] == ids and beta.max_active == 1


@pytest.mark.parametrize(("status", "error"), [(404, 'unknown room "atrium"'), (422, "invalid message"),
                                               (403, 'room "atrium" write policy forbids sender')])
def test_a_permanent_refusal_is_recorded_and_the_next_message_goes(api, configure_alpha, beta, status, error) -> None:
    relay = configure_alpha()
    beta.by_message["msg_refused"] = (status, {"error": error + " window-secret-token", "code": "x"})
    send(api, "msg_refused", "msg_after")
    drain(relay, lambda: relay_state(api)["relay"]["queued"] == 0)
    assert sorted(p.body["id"] for p in beta.posts()) == ["msg_after", "msg_refused"]  # each once: no retry
    pairing = relay_state(api)
    assert pairing["relay"]["refused"] == 1 and pairing["relay"]["relayed"] == 1
    refusal = pairing["relay"]["last_refusal"]
    assert (refusal["message_id"], refusal["status"]) == ("msg_refused", status)
    assert error in refusal["error"] and "window-secret-token" not in str(pairing)
    row = RelayRefusal.objects.get()
    assert (row.pairing_id, row.message_id, row.status_code) == ("beta", "msg_refused", status)
    assert 'moltnet_relay_refused_total{pairing="beta"} 1\n' in api.get("/metrics").content.decode()


@pytest.mark.parametrize("status", [500, 503, 408, 425, 429])
def test_a_transient_failure_is_retried_not_skipped(api, configure_alpha, beta, status) -> None:
    relay = configure_alpha()
    beta.answers["/v1/messages"] = (status, {"error": "busy"})
    send(api, "msg_kept")
    relay.step()
    failing = relay_state(api)
    assert failing["status"] == "error" and failing["diagnostics"]["message"] == "Remote relay request failed."
    assert failing["relay"]["queued"] == 1 and failing["relay"]["refused"] == 0
    beta.answers["/v1/messages"] = (202, ACCEPTED)
    drain(relay, lambda: relay_state(api)["relay"]["queued"] == 0)
    assert [p.body["id"] for p in beta.posts()] == ["msg_kept", "msg_kept"]
    assert relay_state(api)["status"] == "connected"


def test_a_message_that_failed_goes_again_alone_before_anything_newer(api, configure_alpha, beta) -> None:
    relay = configure_alpha()
    beta.by_message["m0"] = (503, {"error": "busy"})
    send(api, "m0", "m1", "m2")
    drain(relay, lambda: len(beta.posts()) == 3 and not relay.in_flight())
    send(api, "m3", "m4")
    accepted = json.dumps(ACCEPTED).encode()
    beta.by_message["m0"] = (202, Drip([accepted[:5], accepted[5:]], 0.5))  # the retry takes 0.5 s to answer
    drain(relay, lambda: relay_state(api)["relay"]["queued"] == 0)
    posts = beta.posts()
    assert sorted(p.body["id"] for p in posts[:3]) == ["m0", "m1", "m2"]
    assert posts[3].body["id"] == "m0" and sorted(p.body["id"] for p in posts[4:]) == ["m3", "m4"]
    assert posts[4].at - posts[3].at >= 0.5  # m3 and m4 waited for m0's retry to be answered


def test_retry_after_from_the_partner_is_honoured(api, configure_alpha, beta) -> None:
    relay = configure_alpha()
    beta.answers["/v1/messages"] = (429, {"error": "slow down"}, {"Retry-After": "1"})
    send(api, "msg_later")
    relay.step()
    beta.answers["/v1/messages"] = (202, ACCEPTED)
    assert relay.step() > 0.5  # FAST's own backoff is 10 ms; the partner asked for a second
    assert len(beta.posts()) == 1
    time.sleep(1)
    drain(relay, lambda: relay_state(api)["relay"]["queued"] == 0)
    assert [p.body["id"] for p in beta.posts()] == ["msg_later", "msg_later"]


def test_the_cursor_never_passes_an_unanswered_message_and_a_crash_resends_it(api, configure_alpha, beta) -> None:
    relay = configure_alpha()
    body = json.dumps(ACCEPTED | {"message_id": "msg_slow"}).encode()
    beta.by_message["msg_slow"] = (202, Drip([body[:5], body[5:]], 3.0))
    ids = ["msg_slow"] + [f"msg_fast_{i}" for i in range(5)]
    send(api, *ids)
    cursor_before = PairingState.objects.get(pairing_id="beta").cursor_seq
    issued_by = time.monotonic() + 2.0  # all six are issued well before the slow answer's 3 s
    while len(beta.posts()) < 6 and time.monotonic() < issued_by:
        relay.step(wait_for=0.1)
    relay.step(wait_for=0.1)  # and the five fast answers collected
    assert len(beta.posts()) == 6
    # Five delivered, the first still in flight: the cursor (and what it counts) waits behind it.
    assert relay_state(api)["relay"]["queued"] == 6 and relay_state(api)["relay"]["relayed"] == 0
    assert PairingState.objects.get(pairing_id="beta").cursor_seq == cursor_before
    # A crash now: a new process (same lease owner after a restart) starts from the persisted cursor.
    restarted = PairingRelay(relay.pairing, FAST, owner=relay.owner)
    beta.by_message.clear()
    drain(restarted, lambda: relay_state(api)["relay"]["queued"] == 0)
    posts = [p.body["id"] for p in beta.posts()]
    assert sorted(set(posts)) == sorted(ids)  # at least once; the partner stores each id once
    assert posts.count("msg_slow") == 2
    relay.close()


def test_console_lists_refused_messages(api, configure_alpha, beta) -> None:
    relay = configure_alpha()
    beta.by_message["msg_nowhere"] = (404, {"error": 'unknown room "atrium"', "code": "not_found"})
    send(api, "msg_nowhere")
    drain(relay, lambda: relay_state(api)["relay"]["queued"] == 0)
    browser = Client()
    html = browser.get("/console/pairings/relayrefusal/").content.decode()
    assert "msg_nowhere" in html and "404" in html and "unknown room" in html
    overview = browser.get("/console/pairings/pairingstate/").content.decode()
    assert '<td class="field-refused_count">1</td>' in overview


@pytest.mark.parametrize(("env", "message"), [
    ({"MOLTNET_RELAY_CONCURRENCY": "0"}, "MOLTNET_RELAY_CONCURRENCY must be a whole number from 1 to 64, got '0'"),
    ({"MOLTNET_RELAY_CONCURRENCY": "eight"}, "MOLTNET_RELAY_CONCURRENCY must be a whole number from 1 to 64, "
                                             "got 'eight'"),
    ({"MOLTNET_RELAY_BACKOFF_MIN": "-1"}, "MOLTNET_RELAY_BACKOFF_MIN must be a positive number of seconds, got '-1'"),
    ({"MOLTNET_RELAY_BACKOFF_MIN": "10", "MOLTNET_RELAY_BACKOFF_MAX": "5"},
     "MOLTNET_RELAY_BACKOFF_MAX (5) is below MOLTNET_RELAY_BACKOFF_MIN (10)"),
])
def test_bad_relay_settings_are_one_clear_line(env, message) -> None:
    with pytest.raises(ConfigError) as caught:
        RelaySettings.from_env(env)
    assert str(caught.value) == message


def test_relay_defaults() -> None:
    assert RelaySettings.from_env({}) == RelaySettings(backoff_min=1, backoff_max=30, poll_interval=1, freshness=300,
                                                       concurrency=8, timeout=5)
