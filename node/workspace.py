"""The workspace client config written for CLI-backed runtimes before every run (spec 10 §7.2, spec 11 §2)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import stat
from pathlib import Path

from moltnet.config import ConfigError
from node.config import BridgeConfig

CLIENT_VERSION = "moltnet.client.v1"
_locks: dict[str, asyncio.Lock] = {}  # process-wide, keyed by absolute path (spec 09 §12.2)


def client_config_path(workspace: str) -> Path:
    return Path(workspace) / ".moltnet" / "config.json"


def _load(path: Path) -> dict:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return {}
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f'Moltnet client config "{path}" must not be a symlink when tokens are present')
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"read Moltnet client config: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"decode Moltnet client config: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError("decode Moltnet client config: expected an object")
    version = data.get("version") or ""
    if version not in ("", CLIENT_VERSION, "spawnfile.moltnet-http-skill.v1"):
        raise ConfigError(f'unsupported Moltnet client version "{version}"')
    return data


def attachment_entry(cfg: BridgeConfig, token: str | None) -> dict:
    mode = cfg.moltnet.mode
    auth: dict = {"mode": mode}
    if mode != "none" and token:
        auth["token"] = token
    entry = {"agent_name": cfg.display_name, "auth": auth, "base_url": cfg.moltnet.base_url,
             "member_id": cfg.agent_id, "network_id": cfg.moltnet.network_id,
             "rooms": [dict(r.raw) for r in cfg.rooms], "runtime": cfg.runtime.kind}
    if cfg.dms is not None:
        entry["dms"] = dict(cfg.dms.raw)
    return dict(sorted(entry.items()))


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.parent / f".config-{secrets.token_hex(6)}.json"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")
    os.chmod(temp, 0o600)
    os.replace(temp, path)
    os.chmod(path, 0o600)


async def ensure_client_config(cfg: BridgeConfig, workspace: str, token: str | None) -> Path:
    """Upsert this agent's attachment (same network + member replaced, others preserved)."""
    path = client_config_path(workspace).absolute()
    lock = _locks.setdefault(str(path), asyncio.Lock())
    async with lock:
        data = _load(path) or {"version": CLIENT_VERSION,
                               "agent": {"name": cfg.display_name, "runtime": cfg.runtime.kind}}
        agent = data.setdefault("agent", {})
        agent["name"] = agent.get("name") or cfg.display_name
        agent["runtime"] = agent.get("runtime") or cfg.runtime.kind
        entry = attachment_entry(cfg, token)
        attachments = [a for a in data.get("attachments") or [] if isinstance(a, dict)]
        for index, existing in enumerate(attachments):
            if existing.get("network_id") == entry["network_id"] and existing.get("member_id") == entry["member_id"]:
                attachments[index] = entry
                break
        else:
            attachments.append(entry)
        data["attachments"] = attachments
        _write(path, data)
    return path
