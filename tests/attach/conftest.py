"""Attachment fixtures: live servers shared by a module (starting one takes a few seconds), and the same
networks in-process (a hub on the test's loop, the network declared in the test database)."""

from __future__ import annotations

import pytest

from attach import hub
from tests.support.attach import BEARER_CONFIG, NONE_CONFIG, OPEN_CONFIG, PUBLIC_NONE_CONFIG, start_live
from tests.support.inprocess import network


@pytest.fixture(scope="module")
def none_server(tmp_path_factory):
    server = start_live(tmp_path_factory, NONE_CONFIG, "none")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    server = start_live(tmp_path_factory, OPEN_CONFIG, "open")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bearer_server(tmp_path_factory):
    server = start_live(tmp_path_factory, BEARER_CONFIG, "bearer")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def public_none_server(tmp_path_factory):
    server = start_live(tmp_path_factory, PUBLIC_NONE_CONFIG, "public-none")
    yield server
    server.stop()


@pytest.fixture
async def own_hub(monkeypatch, runtime_connections):
    """A hub on this test's event loop, stopped afterwards (in-process tests)."""
    monkeypatch.setattr(hub, "_hub", None)
    yield
    if hub._hub is not None:
        for task in hub._hub.tasks:
            task.cancel()


def _network(name: str, config_text: str, what: str):
    """An in-process fixture declaring one of the live servers' networks in the test database."""

    @pytest.fixture(name=name)
    def declared(configure, own_hub):
        return configure(network(config_text), declared=True)

    declared.__doc__ = f"In-process: the live `{what}`'s network, with a hub on the test's loop."
    return declared


none_network = _network("none_network", NONE_CONFIG, "none_server")
open_network = _network("open_network", OPEN_CONFIG, "open_server")
bearer_network = _network("bearer_network", BEARER_CONFIG, "bearer_server")
public_none_network = _network("public_none_network", PUBLIC_NONE_CONFIG, "public_none_server")
