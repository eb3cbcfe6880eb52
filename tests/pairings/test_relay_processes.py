"""Several server processes of one network on Postgres: a lease makes exactly one relay a pairing,
and another takes over when it stops — every message still arrives once, in issue order (up to the
8 requests in flight)."""

from __future__ import annotations

import uuid

import pytest

from tests.pairings.test_relay_live import pairing, room_messages, send
from tests.support.pairings import FAST_RELAY, assert_once_in_issue_order, network_config, wait_for
from tests.support.pgcluster import free_port

pytestmark = [pytest.mark.live, pytest.mark.postgres]


def test_two_alpha_processes_relay_each_message_once_and_hand_over_on_stop(live_server_factory, pg_cluster) -> None:
    dsn = pg_cluster.create_database(f"pair_{uuid.uuid4().hex[:8]}")
    beta_port = free_port()
    beta = live_server_factory(
        network_config("beta", "alpha", free_port(), inbound_token="alpha-to-beta-secret",
                       outbound_token="unused", members=["gamma", "alpha:luna"]),
        name="beta", port=beta_port, env=FAST_RELAY)
    alpha_config = network_config("alpha", "beta", beta_port, inbound_token="beta-to-alpha-secret",
                                  outbound_token="alpha-to-beta-secret", members=["luna", "beta:gamma"])
    alpha_config = alpha_config.replace("kind: sqlite\n  sqlite:\n    path: .moltnet/moltnet.db",
                                        f"kind: postgres\n  postgres:\n    dsn: {dsn}")
    first = live_server_factory(alpha_config, name="alpha1", env=FAST_RELAY)
    second = live_server_factory(alpha_config, name="alpha2", env=FAST_RELAY)
    clients = [first.client("alpha-operator-secret"), second.client("alpha-operator-secret")]

    def say(client, i: int) -> str:
        return send(client, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
                             "parts": [{"kind": "text", "text": f"n{i}"}]})["message_id"]

    sent = [say(clients[i % 2], i) for i in range(10)]
    beta_ops = beta.client("beta-operator-secret")
    wait_for(lambda: len(room_messages(beta_ops)) == 10)
    assert first.stop() == 0
    sent += [say(clients[1], i) for i in range(10, 20)]

    arrived = wait_for(lambda: len(msgs := room_messages(beta_ops)) >= 20 and msgs, timeout=30)
    assert_once_in_issue_order([m["id"] for m in arrived], sent)
    settled = wait_for(lambda: (p := pairing(clients[1], "beta"))["relay"]["queued"] == 0 and p)
    assert settled["relay"]["relayed"] == 20
    assert settled["status"] == "connected"
    # Exactly one POST per message reached beta: no process relayed a message the other had sent.
    posts = 'moltnet_http_requests_total{method="POST",route="POST /v1/messages",status="202"} 20'
    assert posts in beta_ops.get("/metrics").text
