"""The workspace client config written for CLI-backed runtimes before every run (docs/protocol/runtimes.md §7.2,
docs/protocol/cli.md §2)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path

from moltnet.client import clientconfig, skillfiles
from moltnet.config import ConfigError
from moltnet.gocompat.flags import CliError
from moltnet.runtimes import registry
from node import logs
from node.config import BridgeConfig

_locks: dict[str, asyncio.Lock] = {}  # process-wide, keyed by absolute path (docs/protocol/node.md §12.2)


def client_config_path(workspace: str) -> Path:
    return Path(workspace) / ".moltnet" / "config.json"


def attachment_entry(cfg: BridgeConfig, token: str | None) -> dict:
    """This agent's client-config attachment; rooms and DMs are copied verbatim from the node config."""
    mode = cfg.moltnet.mode
    if mode == "none" and token:  # a token the node claimed on an open network (saved under its state directory)
        mode = "open"
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


async def ensure_workspace(cfg: BridgeConfig, workspace: str, component: str,
                           environ: Mapping[str, str] | None = None) -> list[str]:
    """Before a CLI runtime's first wake: create a missing workspace directory and, when the workspace has no
    Moltnet skill for this runtime yet, install the network's `/skill.md` (the bundled skill if the server
    cannot be reached), so the agent knows how to answer with `moltnet send`. Returns the installed paths."""
    if not os.path.isdir(workspace):
        os.makedirs(workspace, mode=0o755, exist_ok=True)
        logs.info("created workspace", component=component, agent_id=cfg.agent_id, path=workspace)
    relative = registry.skill_paths(cfg.runtime.kind)
    if not relative or any(os.path.exists(os.path.join(workspace, rel)) for rel in relative):
        return []
    try:
        token = cfg.moltnet.resolve_token(environ)
    except ConfigError:
        token = None
    served = await asyncio.to_thread(skillfiles.server_skill, cfg.moltnet.base_url, token or "")
    content = served or skillfiles.bundled_skill()
    try:
        written = skillfiles.install(cfg.runtime.kind, workspace, content)
    except (OSError, CliError) as exc:
        logs.warn("moltnet skill not installed", component=component, agent_id=cfg.agent_id, error=exc)
        return []
    logs.info("installed moltnet skill", component=component, agent_id=cfg.agent_id, paths=", ".join(written))
    return written
