"""Pairing test helpers: two-network configs, a fast relay, ordering checks, waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.support.live import LiveServer

# Short relay timings for tests (documented in the README "Pair two networks" section).
FAST_RELAY = {"MOLTNET_RELAY_BACKOFF_MIN": "0.2", "MOLTNET_RELAY_BACKOFF_MAX": "1",
              "MOLTNET_RELAY_POLL_INTERVAL": "0.2"}


def network_config(network: str, remote: str, remote_port: int, *, inbound_token: str, outbound_token: str,
                   members: list[str], extra_pairings: str = "") -> str:
    """A `Moltnet` file: operator token, a pair token for the partner, room `atrium`, one pairing."""
    member_list = ", ".join(f'"{m}"' for m in members)
    return f"""version: moltnet.v1
network:
  id: {network}
  name: {network.title()} Net
auth:
  mode: bearer
  tokens:
    - id: {network}-operator
      value: {network}-operator-secret
      scopes: [observe, write, admin]
    - id: from-{remote}
      value: {inbound_token}
      scopes: [pair]
storage:
  kind: sqlite
  sqlite:
    path: .moltnet/moltnet.db
rooms:
  - id: atrium
    members: [{member_list}]
pairings:
  - id: {remote}
    remote_network_id: {remote}
    remote_network_name: {remote.title()} Net
    remote_base_url: http://127.0.0.1:{remote_port}
    token: {outbound_token}
{extra_pairings}"""


@dataclass
class Pair:
    alpha: LiveServer
    beta: LiveServer

    def ops(self, network: str):
        """An operator (observe+write+admin) HTTP client for `alpha` or `beta`."""
        return getattr(self, network).client(f"{network}-operator-secret")


def assert_once_in_issue_order(arrived: list[str], sent: list[str], in_flight: int = 8) -> None:
    """Every message arrived exactly once; with `in_flight` requests at a time the partner may store
    neighbours in another order, but never further than that from where the log had them."""
    assert sorted(arrived) == sorted(sent) and len(set(arrived)) == len(arrived)
    displaced = {m: abs(arrived.index(m) - i) for i, m in enumerate(sent) if abs(arrived.index(m) - i) >= in_flight}
    assert not displaced, displaced


def wait_for(check: Callable[[], object], timeout: float = 20, interval: float = 0.1):
    """Poll until `check()` returns something truthy; fail with the last value otherwise."""
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
