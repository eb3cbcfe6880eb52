"""The node's per-attachment state file: resume cursor, bootstrapped rooms and live status (beyond Go).

The Go node keeps its cursor in memory, so a restarted node misses what arrived while it was down. We persist
the cursor beside the config file; the server's durable log then replays everything after it on the first
IDENTIFY. A state file written for another server, network or agent is ignored.

The same file records which rooms were already bootstrapped (so a restart does not pay for another "attached"
run) and the attachment's status — connected or not, last event, last wake and its result, queued CLI wakes —
which `moltnet node status` reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from pathlib import Path

from node import logs

STATE_VERSION = "moltnet.node-state.v1"


def state_dir(config_path: str) -> Path:
    """`<config dir>/.moltnet`: where the node keeps everything it writes for itself."""
    base = Path(config_path).parent if config_path else Path.cwd()
    return base / ".moltnet"


def state_path(config_path: str, network_id: str, agent_id: str) -> Path:
    """`<config dir>/.moltnet/node-state/<network>--<agent>.json` (ids cannot contain `/`)."""
    return state_dir(config_path) / "node-state" / f"{network_id}--{agent_id}.json"


def saved_token_path(config_path: str, network_id: str, agent_id: str) -> Path:
    """Where the node keeps an agent token it obtained for an attachment without a `token_path`."""
    return state_dir(config_path) / "tokens" / f"{network_id}--{agent_id}.token"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class CursorStore:
    """Load/save one attachment's state; writes are atomic and mode 0600 in a 0700 directory."""

    def __init__(self, path: Path, base_url: str, network_id: str, agent_id: str) -> None:
        self.path = path
        self.identity = {"base_url": base_url.rstrip("/"), "network_id": network_id, "agent_id": agent_id}
        self.warned = False
        self.cursor = ""
        self.bootstrapped: dict[str, str] = {}
        self.status: dict = {}

    def read(self) -> dict:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return {}
        if any(data.get(k) != v for k, v in self.identity.items()):
            return {}
        return data

    def load(self) -> str:
        data = self.read()
        cursor = data.get("cursor")
        self.cursor = cursor if isinstance(cursor, str) else ""
        rooms = data.get("bootstrapped")
        self.bootstrapped = {k: v for k, v in rooms.items() if isinstance(v, str)} if isinstance(rooms, dict) else {}
        return self.cursor

    def save(self, cursor: str | None = None) -> None:
        """Best effort: a state directory we cannot write must not stop deliveries (the cursor stays in memory)."""
        if cursor is not None:
            self.cursor = cursor
        temp = self.path.parent / f".{self.path.name}.{secrets.token_hex(4)}.tmp"
        body = json.dumps({"version": STATE_VERSION, **self.identity, "cursor": self.cursor,
                           "bootstrapped": self.bootstrapped, "status": self.status}) + "\n"
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

    def record(self, **fields: object) -> None:
        """Update the attachment's status (what `moltnet node status` shows) and save it."""
        self.status.update(fields, pid=os.getpid(), updated_at=now())
        self.save()

    def mark_bootstrapped(self, room_id: str) -> None:
        self.bootstrapped[room_id] = now()
        self.save()
