"""The workspace client config written for CLI-backed runtimes before every run (spec 10 §7.2, spec 11 §2)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from moltnet.cli import clientconfig
from moltnet.cli.flags import CliError
from moltnet.config import ConfigError
from node.config import BridgeConfig

_locks: dict[str, asyncio.Lock] = {}  # process-wide, keyed by absolute path (spec 09 §12.2)


def client_config_path(workspace: str) -> Path:
    return Path(workspace) / ".moltnet" / "config.json"


def attachment_entry(cfg: BridgeConfig, token: str | None) -> dict:
    """This agent's client-config attachment; rooms and DMs are copied verbatim from the node config."""
    mode = cfg.moltnet.mode
    auth: dict = {"mode": mode}
    if mode != "none" and token:
        auth["token"] = token
    entry = {"agent_name": cfg.display_name, "auth": auth, "base_url": cfg.moltnet.base_url,
             "member_id": cfg.agent_id, "network_id": cfg.moltnet.network_id,
             "rooms": [dict(r.raw) for r in cfg.rooms], "runtime": cfg.runtime.kind}
    if cfg.dms is not None:
        entry["dms"] = dict(cfg.dms.raw)
    return entry


async def ensure_client_config(cfg: BridgeConfig, workspace: str, token: str | None) -> Path:
    """Upsert this agent's attachment (same network + member replaced, others preserved), validated, 0600."""
    path = client_config_path(workspace).absolute()
    lock = _locks.setdefault(str(path), asyncio.Lock())
    async with lock:
        try:
            config = clientconfig.load(path) if os.path.lexists(path) else clientconfig.new_config(
                path, cfg.display_name, cfg.runtime.kind)
            config.upsert(attachment_entry(cfg, token))
            config.write()
        except CliError as exc:
            raise ConfigError(str(exc)) from None
    return path
