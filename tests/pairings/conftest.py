"""Two real, paired Moltnet servers (alpha ⇄ beta) in bearer mode with pair-scoped tokens both ways."""

from __future__ import annotations

import pytest

from tests.pairings.remote import ScriptedRemote
from tests.support.pairings import FAST_RELAY, Pair, network_config
from tests.support.pgcluster import free_port


@pytest.fixture
def remote():
    """A scripted partner network (a real small HTTP server)."""
    server = ScriptedRemote()
    yield server
    server.close()


@pytest.fixture
def beta(remote):
    """The scripted partner under the name the relay tests give it."""
    return remote


@pytest.fixture
def paired(live_server_factory) -> Pair:
    alpha_port, beta_port = free_port(), free_port()
    beta = live_server_factory(
        network_config("beta", "alpha", alpha_port, inbound_token="alpha-to-beta-secret",
                       outbound_token="beta-to-alpha-secret", members=["gamma", "alpha:luna"]),
        name="beta", port=beta_port, env=FAST_RELAY)
    alpha = live_server_factory(
        network_config("alpha", "beta", beta_port, inbound_token="beta-to-alpha-secret",
                       outbound_token="alpha-to-beta-secret", members=["luna", "beta:gamma"]),
        name="alpha", port=alpha_port, env=FAST_RELAY)
    return Pair(alpha, beta)
