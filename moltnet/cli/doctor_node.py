"""`moltnet doctor`, the node half: the MoltnetNode file and, per attachment, its server, token,
runtime and skill (docs/protocol/node.md §3, §6, §7.2)."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import socket
import subprocess
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from moltnet.config import ConfigError
from moltnet.runtimes import registry

if TYPE_CHECKING:
    from moltnet.cli.doctor import Report
    from node.config import BridgeConfig

VERSION_TIMEOUT = 5.0


def check_node(report: Report) -> None:
    # The node's modules load only for the node commands (see moltnet.cli._commands).
    try:
        from node.config import discover_node_config, load_node_file
    except ModuleNotFoundError:
        return
    try:
        path = discover_node_config(None)
    except ConfigError as exc:
        if "not found" in str(exc):
            report.add("skip", "node", "no MoltnetNode file here (MOLTNET_NODE_CONFIG, MoltnetNode, "
                       "moltnet-node.yaml/.yml/.json): node checks skipped")
        else:
            report.add("fail", "node", str(exc), "point MOLTNET_NODE_CONFIG at a MoltnetNode file, or unset it")
        return
    try:
        cfg = load_node_file(path)
    except ConfigError as exc:
        report.add("fail", "node", f"{path}: {exc}",
                   "correct the value named above; `moltnet validate` checks it again")
        return
    if not cfg.attachments:
        report.add("warn", "node", f"{path} is valid but lists no attachments",
                   "add one per local agent under attachments: (see the README, \"Run a node\")")
        return
    report.add("ok", "node", f"{path} is valid ({len(cfg.attachments)} attachment(s))")
    for bridge in cfg.attachments:
        check_attachment(report, bridge)


def check_attachment(report: Report, bridge: BridgeConfig) -> None:
    name = f"attachment {bridge.agent_id}"
    base = bridge.moltnet.base_url.rstrip("/")
    try:
        response = httpx.get(base + "/healthz", timeout=PROBE_TIMEOUT)
        reachable = response.status_code == 200
        found = f"server {base} answers {response.status_code}"
    except httpx.HTTPError as exc:
        reachable, found = False, f"server {base} cannot be reached: {exc or type(exc).__name__}"
    if reachable:
        report.add("ok", name, f"server {base} is reachable")
        check_token(report, name, bridge)
    else:
        report.add("fail", name, found, "start the server (`moltnet start`) or correct moltnet.base_url")
        report.add("skip", name, "token not checked (server unreachable)")
    check_runtime(report, name, bridge)
    check_skill(report, name, bridge)


PROBE_TIMEOUT = 3.0


def check_token(report: Report, name: str, bridge: BridgeConfig) -> None:
    m = bridge.moltnet
    source = ("inline moltnet.token" if m.token else f"${m.token_env.strip()}" if m.token_env.strip()
              else f"token file {m.token_path}" if m.token_path.strip() else "")
    if m.token_path.strip() and not m.token and not m.token_env.strip() and not os.path.lexists(m.token_path):
        if m.mode == "open":
            report.add("ok", name, f"no token file yet at {m.token_path}: the first claim (open registration) "
                       "writes it")
            return
        report.add("fail", name, f"token file {m.token_path} is missing",
                   "write the token there (mode 0600), or correct moltnet.token_path")
        return
    # The node's modules load only for the node commands (see moltnet.cli._commands).
    from node.client import preflight

    try:
        asyncio.run(preflight(bridge))
    except ConfigError as exc:
        report.add("fail", name, f"token{' from ' + source if source else ''} refused: {exc}",
                   "use a token the server knows, with the attach scope (and observe), or fix the token source")
        return
    if source:
        report.add("ok", name, f"token from {source} accepted by the server")
    else:
        report.add("ok", name, "no token configured, and the server answers without one")


def check_runtime(report: Report, name: str, bridge: BridgeConfig) -> None:
    rt = bridge.runtime
    if rt.command.strip():
        argv = shlex.split(rt.command)
        found = shutil.which(argv[0]) if argv else None
        if not found:
            report.add("fail", name, f"runtime {rt.kind}: command {argv[0] if argv else rt.command} is not on PATH",
                       f"install {rt.kind}, or set runtime.command to its full path")
            return
        version = _version(found)
        report.add("ok", name, f"runtime {rt.kind}: {found}" + (f" ({version})" if version else ""))
        return
    url = next((u for u in (rt.gateway_url, rt.control_url, rt.events_url, rt.inbound_url) if u.strip()), "")
    if not url:
        report.add("skip", name, f"runtime {rt.kind}: nothing to check (no command or URL)")
        return
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=PROBE_TIMEOUT).close()
    except OSError as exc:
        report.add("fail", name, f"runtime {rt.kind} at {url} cannot be reached: {exc.strerror or exc}",
                   f"start {rt.kind}, or correct the runtime URL in the MoltnetNode file")
        return
    report.add("ok", name, f"runtime {rt.kind} answers at {parts.hostname}:{port}")


def _version(command: str) -> str:
    try:
        result = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return ""
    text = (result.stdout or result.stderr).strip().splitlines()
    return text[0][:80] if text else ""


def check_skill(report: Report, name: str, bridge: BridgeConfig) -> None:
    workspace = bridge.runtime.workspace_path.strip()
    relative = registry.skill_paths(bridge.runtime.kind)
    if not workspace or not relative:
        return
    if not os.path.isdir(workspace):
        report.add("fail", name, f"workspace {workspace} does not exist",
                   "create it, or correct runtime.workspace_path")
        return
    missing = [rel for rel in relative if not os.path.isfile(os.path.join(workspace, rel))]
    if missing:
        report.add("warn", name, f"Moltnet skill not installed in {workspace} ({', '.join(missing)} missing)",
                   f"moltnet skill install --runtime {bridge.runtime.kind} --workspace {workspace} "
                   "(the node also installs it when it starts)")
        return
    report.add("ok", name, f"Moltnet skill installed in {workspace}")
