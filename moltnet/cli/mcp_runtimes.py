"""`moltnet connect --mcp`: register `moltnet mcp` with the runtime, in its project-scoped config.

- Claude Code: `.mcp.json` in the workspace (`mcpServers.moltnet`, a stdio server), the file
  `claude mcp add --scope project` writes.
- Codex: `.codex/config.toml` in the workspace (`[mcp_servers.moltnet]`, `command` + `args`),
  which Codex reads for trusted projects.

Which runtimes support it, and the file, come from each runtime's `mcp_config` (`moltnet.runtimes`).

The entry starts `moltnet mcp --config <this workspace's .moltnet/config.json>`, so the token
stays in that private file and never lands in the runtime's config. Writing is idempotent: the
`moltnet` entry is replaced, everything else in the file is kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from pathlib import Path

from moltnet.cli.flags import CliError
from moltnet.runtimes import registry

SERVER_NAME = "moltnet"
# The runtimes whose `RuntimeSpec` names a project-scoped MCP config (`mcp_config`).
RUNTIMES = tuple(spec.name for spec in registry.with_mcp())


def moltnet_command() -> list[str]:
    """How to start this install's `moltnet`: the script beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "moltnet"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    if found := shutil.which("moltnet"):
        return [str(Path(found).resolve())]
    return [sys.executable, "-m", "moltnet.cli"]


def server_entry(config_path: Path, network_id: str, member_id: str) -> tuple[str, list[str]]:
    command, *prefix = moltnet_command()
    args = [*prefix, "mcp", "--config", str(config_path.resolve()), "--network", network_id, "--member", member_id]
    return command, args


def register(runtime: str, workspace: Path, config_path: Path, network_id: str, member_id: str) -> tuple[Path, bool]:
    """Write the entry; returns (the file, whether it changed)."""
    relative = check_runtime(runtime)
    command, args = server_entry(config_path, network_id, member_id)
    return WRITERS[Path(relative).suffix](workspace / relative, command, args)


def check_runtime(runtime: str) -> str:
    """The runtime's project-scoped MCP config (relative to the workspace); refuses `--mcp` without one."""
    spec = registry.lookup(runtime)
    if spec is None or not spec.mcp_config:
        raise CliError(f'--mcp supports the runtimes {" and ".join(RUNTIMES)}, not "{runtime}"')
    return spec.mcp_config


def _mcp_json(path: Path, command: str, args: list[str]) -> tuple[Path, bool]:
    document: dict = {}
    if path.exists():
        try:
            document = json.loads(path.read_text() or "{}")
        except ValueError as exc:
            raise CliError(f"{path} is not valid JSON ({exc}); fix or remove it and run connect again") from None
        if not isinstance(document, dict) or not isinstance(document.get("mcpServers", {}), dict):
            raise CliError(f'{path} has no "mcpServers" object; fix or remove it and run connect again')
    entry = {"type": "stdio", "command": command, "args": args, "env": {}}
    if document.get("mcpServers", {}).get(SERVER_NAME) == entry:
        return path, False
    document.setdefault("mcpServers", {})[SERVER_NAME] = entry
    _write(path, json.dumps(document, indent=2) + "\n")
    return path, True


TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _mcp_toml(path: Path, command: str, args: list[str]) -> tuple[Path, bool]:
    text = path.read_text() if path.exists() else ""
    try:
        current = tomllib.loads(text).get("mcp_servers", {}).get(SERVER_NAME)
    except tomllib.TOMLDecodeError as exc:
        raise CliError(f"{path} is not valid TOML ({exc}); fix it and run connect again") from None
    if current == {"command": command, "args": args}:
        return path, False
    # Drop the old [mcp_servers.moltnet] table and its sub-tables; keep every other line as written.
    kept, skipping = [], False
    for line in text.splitlines():
        if match := TABLE.match(line):
            name = match.group(1).replace('"', "").replace(" ", "")
            skipping = name == f"mcp_servers.{SERVER_NAME}" or name.startswith(f"mcp_servers.{SERVER_NAME}.")
        if not skipping:
            kept.append(line)
    body = "\n".join(kept).rstrip("\n")
    table = (f"[mcp_servers.{SERVER_NAME}]\ncommand = {_toml_string(command)}\n"
             f"args = [{', '.join(_toml_string(a) for a in args)}]\n")
    updated = (body + "\n\n" if body else "") + table
    try:
        tomllib.loads(updated)
    except tomllib.TOMLDecodeError:  # the entry is also spelled some other way (dotted keys, inline table)
        raise CliError(f"{path} declares mcp_servers.{SERVER_NAME} in a form connect cannot replace; "
                       "remove that entry and run connect again") from None
    _write(path, updated)
    return path, True


# How each config format holds the entry: Claude Code's `.mcp.json`, Codex's `config.toml`.
WRITERS = {".json": _mcp_json, ".toml": _mcp_toml}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".moltnet-tmp")
    temp.write_text(text)
    os.replace(temp, path)
