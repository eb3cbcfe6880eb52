"""CLI fixtures: the in-process `cli` runner and real servers per module; helpers are in tests/support/cli.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from moltnet.cli import main
from tests.support.cli import BEARER_NETWORK, OPEN_NETWORK, Result, _server


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `moltnet` in-process (fast) from a working directory: cli(workdir, *args)."""
    monkeypatch.delenv("MOLTNET_CLIENT_CONFIG", raising=False)

    def call(cwd: Path, *args: str) -> Result:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    server = _server(tmp_path_factory, "open", OPEN_NETWORK)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bearer_server(tmp_path_factory):
    server = _server(tmp_path_factory, "bearer", BEARER_NETWORK)
    yield server
    server.stop()


def pytest_collection_modifyitems(items):
    """Tests that start a real server carry the `live` marker, like the rest of the suite."""
    for item in items:
        if {"open_server", "bearer_server", "live_server_factory"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)
