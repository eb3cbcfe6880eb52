"""Durable resume cursors: each attachment's last ACKed cursor in a private state file (beyond Go, spec 09 §7.7).

The Go node keeps its cursor in memory, so a restarted node misses what arrived while it was down. We persist
the cursor beside the config file; the server's durable log then replays everything after it on the first
IDENTIFY. A state file written for another server, network or agent is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

from node import logs

STATE_VERSION = "moltnet.node-state.v1"


def state_path(config_path: str, network_id: str, agent_id: str) -> Path:
    """`<config dir>/.moltnet/node-state/<network>--<agent>.json` (ids cannot contain `/`)."""
    base = Path(config_path).parent if config_path else Path.cwd()
    return base / ".moltnet" / "node-state" / f"{network_id}--{agent_id}.json"


class CursorStore:
    """Load/save one attachment's cursor; writes are atomic and mode 0600 in a 0700 directory."""

    def __init__(self, path: Path, base_url: str, network_id: str, agent_id: str) -> None:
        self.path = path
        self.identity = {"base_url": base_url.rstrip("/"), "network_id": network_id, "agent_id": agent_id}
        self.warned = False

    def load(self) -> str:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return ""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return ""
        if any(data.get(k) != v for k, v in self.identity.items()):
            return ""
        cursor = data.get("cursor")
        return cursor if isinstance(cursor, str) else ""

    def save(self, cursor: str) -> None:
        """Best effort: a state directory we cannot write must not stop deliveries (the cursor stays in memory)."""
        temp = self.path.parent / f".{self.path.name}.{secrets.token_hex(4)}.tmp"
        body = json.dumps({"version": STATE_VERSION, **self.identity, "cursor": cursor}) + "\n"
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(body)
            os.replace(temp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
            if not self.warned:
                self.warned = True
                logs.warn("node state not saved", component="node", agent_id=self.identity["agent_id"],
                          path=str(self.path), error=exc.strerror or exc)
