"""`moltnet connect --mcp`: register `moltnet mcp` with the runtime, in its project-scoped config.

- Claude Code: `.mcp.json` in the workspace (`mcpServers.moltnet`, a stdio server), the file
  `claude mcp add --scope project` writes.
- Codex: `.codex/config.toml` in the workspace (`[mcp_servers.moltnet]`, `command` + `args`),
  which Codex reads for trusted projects.

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

SERVER_NAME = "moltnet"
RUNTIMES = ("claude-code", "codex")


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
    command, args = server_entry(config_path, network_id, member_id)
    if runtime == "claude-code":
        return _claude_code(workspace / ".mcp.json", command, args)
    if runtime == "codex":
        return _codex(workspace / ".codex" / "config.toml", command, args)
    raise CliError(f'--mcp supports the runtimes {" and ".join(RUNTIMES)}, not "{runtime}"')


def _claude_code(path: Path, command: str, args: list[str]) -> tuple[Path, bool]:
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


def _codex(path: Path, command: str, args: list[str]) -> tuple[Path, bool]:
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


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".moltnet-tmp")
    temp.write_text(text)
    os.replace(temp, path)
