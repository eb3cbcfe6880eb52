"""Live servers shared by a module's attachment tests (starting one takes a few seconds)."""

from __future__ import annotations

import pytest

from tests.support.attach import BEARER_CONFIG, NONE_CONFIG, OPEN_CONFIG, PUBLIC_NONE_CONFIG, start_live


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
