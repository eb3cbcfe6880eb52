"""`manage.py runserver` runs the same background work as `moltnet start`: its pairing relay
delivers to a real partner (issue 15 point 5)."""

from __future__ import annotations

import pytest

from tests.pairings.test_relay_live import room_messages, send
from tests.support.live import DevServer
from tests.support.pairings import FAST_RELAY, network_config, wait_for
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.live


def test_runserver_relays_to_its_partner_like_moltnet_start(tmp_path, live_server_factory) -> None:
    alpha_port, beta_port = free_port(), free_port()
    beta = live_server_factory(
        network_config("beta", "alpha", alpha_port, inbound_token="alpha-to-beta-secret",
                       outbound_token="beta-to-alpha-secret", members=["gamma", "alpha:luna"]),
        name="beta", port=beta_port, env=FAST_RELAY)
    alpha = DevServer(tmp_path / "alpha", network_config("alpha", "beta", beta_port,
                                                      inbound_token="beta-to-alpha-secret",
                                                      outbound_token="alpha-to-beta-secret",
                                                      members=["luna", "beta:gamma"]),
                      env=FAST_RELAY, port=alpha_port).start()
    try:
        with alpha.client("alpha-operator-secret") as alpha_ops:
            sent = [send(alpha_ops, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
                                     "parts": [{"kind": "text", "text": f"from runserver {i}"}]})["message_id"]
                    for i in range(3)]
            beta_ops = beta.client("beta-operator-secret")
            arrived = wait_for(lambda: len(msgs := room_messages(beta_ops)) >= 3 and msgs, timeout=30)
            assert sorted(m["id"] for m in arrived) == sorted(sent)
            assert all(m["origin"]["network_id"] == "alpha" for m in arrived)
            state = alpha_ops.get("/v1/pairings").json()["pairings"][0]
            assert state["status"] == "connected" and state["relay"]["queued"] == 0
    finally:
        alpha.stop()
