"""Shared bench helpers: a real `moltnet start` on SQLite in a temporary directory, percentiles."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class BenchServer:
    """`moltnet start` with a declared room, SQLite at <tmp>/.moltnet/moltnet.db."""

    def __init__(self, rooms: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="moltnet-bench-"))
        self.port = free_port()
        self.config = self.dir / "Moltnet"
        self.config.write_text(f"version: moltnet.v1\nrooms:\n{rooms}")
        self.db_path = self.dir / ".moltnet" / "moltnet.db"
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("MOLTNET_CONFIG", "DJANGO_SETTINGS_MODULE")}
        env.update({"MOLTNET_LISTEN_ADDR": f"127.0.0.1:{self.port}", "MOLTNET_LOG_LEVEL": "WARNING"})
        self.log = open(self.dir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "moltnet.cli", "start"], cwd=self.dir, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit((self.dir / "server.log").read_text())
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
