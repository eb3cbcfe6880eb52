"""Real `moltnet start` server processes for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.pgcluster import free_port

REPO = Path(__file__).resolve().parents[2]


class LiveServer:
    """One `moltnet start` process with its own working directory and config file."""

    def __init__(self, workdir: Path, config_text: str | None = None, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.config_path = self.workdir / "Moltnet"
        if config_text is not None:
            self.config_path.write_text(config_text)
            os.chmod(self.config_path, 0o600)
        self.env = {**os.environ, "MOLTNET_LISTEN_ADDR": f"127.0.0.1:{self.port}", "PYTHONUNBUFFERED": "1",
                    **(env or {})}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.pop("MOLTNET_CONFIG", None)
        self.log_path = self.workdir / "server.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moltnet.cli", "start"]

    def start(self, timeout: float = 30) -> LiveServer:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(self.command(), cwd=self.workdir, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT)
        what = " ".join(self.command()[-3:])  # "moltnet.cli start", "runserver --noreload 127.0.0.1:…"
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{what} exited {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not answer /healthz:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)


class DevServer(LiveServer):
    """`python manage.py runserver --noreload` (Daphne, Django's development server) on the same files."""

    def __init__(self, workdir: Path, config_text: str | None = None, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        super().__init__(workdir, config_text, {"PYTHONPATH": str(REPO), **(env or {})}, port)

    def command(self) -> list[str]:
        return [sys.executable, str(REPO / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{self.port}"]
