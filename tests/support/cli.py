"""CLI test helpers: network configs, running `moltnet` as a subprocess, writing client configs."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.live import REPO, LiveServer

OPEN_NETWORK = """\
version: moltnet.v1
network: {id: studio, name: Studio}
auth: {mode: open}
rooms:
  - {id: lobby, visibility: public, write_policy: registered_agents}
  - {id: stage, visibility: public, members: [ada]}
"""


BEARER_NETWORK = """\
version: moltnet.v1
network: {id: works, name: Works}
auth:
  mode: bearer
  tokens:
    - {id: admin, value: admin-secret, scopes: [admin, observe, write]}
    - {id: scout, value: scout-secret, scopes: [observe, write], agents: [scout]}
    - {id: watcher, value: watcher-secret, scopes: [observe]}
rooms:
  - {id: lobby, members: [scout, ada]}
  - {id: board, members: [ada]}
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def error(self) -> str:
        """The error text after Go's log prefix `YYYY/MM/DD HH:MM:SS `."""
        return self.err.strip()[20:] if self.err.strip() else ""


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """The real console script in a child process: exit code, stdout, stderr."""
    full_env = {**os.environ, **(env or {})}
    if "MOLTNET_CLIENT_CONFIG" not in (env or {}):
        full_env.pop("MOLTNET_CLIENT_CONFIG", None)
    proc = subprocess.run([sys.executable, "-m", "moltnet.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=30)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _server(tmp_path_factory, name: str, config: str) -> LiveServer:
    # PYTHONPATH: the server process runs from a temp dir; keep every project package importable.
    return LiveServer(tmp_path_factory.mktemp(name), config, {"PYTHONPATH": str(REPO)}).start()


def write_config(workspace: Path, attachments: list[dict], mode: int = 0o600) -> Path:
    """A client config as the Go CLI writes it."""
    import json

    path = workspace / ".moltnet" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": "moltnet.client.v1", "agent": {}, "attachments": attachments}, indent=2))
    os.chmod(path, mode)
    return path
