"""Node fixtures: one real `moltnet start` per module and fake runtime executables (tests/support/node.py)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.live import LiveServer
from tests.support.node import (
    FAKES,
    STUDIO,
)


@pytest.fixture(scope="module")
def studio(tmp_path_factory) -> LiveServer:
    """A real server (auth none) shared by the tests of one module; each test uses its own agent ids."""
    server = LiveServer(tmp_path_factory.mktemp("studio"), STUDIO).start()
    yield server
    server.stop()


@pytest.fixture
def fake_bin(tmp_path) -> Callable[[str, str], Path]:
    """Install a fake runtime executable (`codex`, `claude`, `picoclaw`) running under this interpreter."""
    directory = tmp_path / "bin"
    directory.mkdir()

    def install(name: str, source: str) -> Path:
        path = directory / name
        path.write_text(f"#!{sys.executable}\n" + (FAKES / source).read_text())
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return path

    return install


@pytest.fixture
def environ(tmp_path) -> dict:
    """The node's environment: ours plus the fakes' log file."""
    return {**os.environ, "FAKE_RUNTIME_LOG": str(tmp_path / "runtime.log")}
