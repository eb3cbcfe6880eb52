"""The CLI runtimes' session store: conversation key → runtime session id (docs/protocol/runtimes.md §7.3)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from moltnet.config import ConfigError
from moltnet.gocompat import quote
from moltnet.gocompat.times import rfc3339_nano

STORE_VERSION = "moltnet.cli-sessions.v1"


def new_session_id() -> str:
    return str(uuid.uuid4())


class SessionStore:
    """Read on every access; written atomically (`<path>.tmp`, 0600, rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {"version": STORE_VERSION, "sessions": {}}
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("version") or "", str):
                raise ValueError("session store is not an object with a string version")
        except ValueError as exc:
            raise ConfigError(f"decode CLI session store: {exc}") from None
        version = data.get("version") or ""
        if version and version != STORE_VERSION:
            raise ConfigError(f"unsupported CLI session store version {quote(version)}")
        data["version"] = STORE_VERSION
        if not isinstance(data.get("sessions"), dict):
            data["sessions"] = {}
        return data

    def get(self, key: str) -> str | None:
        record = self.read()["sessions"].get(key)
        return record.get("runtime_session_id") if isinstance(record, dict) else None

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = Path(str(self.path) + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(data, indent=2) + "\n")
        os.replace(temp, self.path)

    def put(self, key: str, session_id: str) -> None:
        data = self.read()
        now = rfc3339_nano()
        previous = data["sessions"].get(key) if isinstance(data["sessions"].get(key), dict) else {}
        data["sessions"][key] = {"runtime_session_id": session_id, "created_at": previous.get("created_at") or now,
                                 "updated_at": now}
        self._write(data)

    def delete(self, key: str) -> None:
        data = self.read()
        if data["sessions"].pop(key, None) is not None:
            self._write(data)
