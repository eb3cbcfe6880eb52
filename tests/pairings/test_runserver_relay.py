"""`manage.py runserver` runs the same background work as `moltnet start`: its pairing relay
delivers to a real partner (issue 15 point 5)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.pairings.test_relay_live import room_messages, send
from tests.support.live import REPO
from tests.support.pairings import FAST_RELAY, network_config, wait_for
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.live


def test_runserver_relays_to_its_partner_like_moltnet_start(tmp_path, live_server_factory) -> None:
    alpha_port, beta_port = free_port(), free_port()
    beta = live_server_factory(
        network_config("beta", "alpha", alpha_port, inbound_token="alpha-to-beta-secret",
                       outbound_token="beta-to-alpha-secret", members=["gamma", "alpha:luna"]),
        name="beta", port=beta_port, env=FAST_RELAY)
    workdir = tmp_path / "alpha"
    workdir.mkdir()
    (workdir / "Moltnet").write_text(network_config("alpha", "beta", beta_port, inbound_token="beta-to-alpha-secret",
                                                    outbound_token="alpha-to-beta-secret",
                                                    members=["luna", "beta:gamma"]))
    os.chmod(workdir / "Moltnet", 0o600)  # it holds tokens
    env = {k: v for k, v in os.environ.items() if k not in ("MOLTNET_CONFIG", "DJANGO_SETTINGS_MODULE")}
    env.update(FAST_RELAY, PYTHONPATH=str(REPO))
    log_path = tmp_path / "runserver.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, str(REPO / "manage.py"), "runserver", "--noreload",
                                    f"127.0.0.1:{alpha_port}"], cwd=workdir, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{alpha_port}"
    try:
        deadline = time.time() + 30
        while not _healthy(base):
            assert process.poll() is None and time.time() < deadline, log_path.read_text()
            time.sleep(0.2)
        with httpx.Client(base_url=base, headers={"Authorization": "Bearer alpha-operator-secret"},
                          timeout=10) as alpha:
            sent = [send(alpha, {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
                                 "parts": [{"kind": "text", "text": f"from runserver {i}"}]})["message_id"]
                    for i in range(3)]
            beta_ops = beta.client("beta-operator-secret")
            arrived = wait_for(lambda: len(msgs := room_messages(beta_ops)) >= 3 and msgs, timeout=30)
            assert sorted(m["id"] for m in arrived) == sorted(sent)
            assert all(m["origin"]["network_id"] == "alpha" for m in arrived)
            state = alpha.get("/v1/pairings").json()["pairings"][0]
            assert state["status"] == "connected" and state["relay"]["queued"] == 0
    finally:
        process.terminate()
        process.wait(15)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
