"""`moltnet node`, `moltnet bridge`, `moltnet attachment` (spec 11 §8.4, spec 09 §2)."""

from __future__ import annotations

import asyncio
import signal
import sys

from moltnet.cli.flags import CliError
from moltnet.config import ConfigError

NODE_USAGE = """Usage:
  moltnet node [path]
  moltnet node start [path]

Runs one attachment per agent listed in a MoltnetNode file (YAML or JSON). Without a path the file is
MOLTNET_NODE_CONFIG, else MoltnetNode, moltnet-node.yaml, moltnet-node.yml or moltnet-node.json here.
"""

BRIDGE_USAGE = """Usage:
  moltnet {name} run <path>
  moltnet {name} <path>

Runs exactly one attachment from a bridge JSON config.
"""


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # the dispatcher turns it into a clean exit 0


def _early_signals() -> None:
    """Until the event loop installs its own handlers, SIGTERM during start-up is still a clean stop."""
    signal.signal(signal.SIGTERM, _interrupt)


def _run(coro) -> int:
    from node import logs

    logs.setup()
    try:
        asyncio.run(coro)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any runner failure is reported once, exit 1
        raise CliError(str(exc)) from None
    return 0


def node(args: list[str]) -> int:
    _early_signals()
    if args and args[0] == "help":
        sys.stdout.write(NODE_USAGE)
        return 0
    if args and args[0] == "start":
        args = args[1:]
    if len(args) > 1:
        raise CliError("invalid argument")
    from node.config import discover_node_config, load_node_file
    from node.runner import run_node

    try:
        path = discover_node_config(args[0] if args else None)
        cfg = load_node_file(path)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    return _run(run_node(cfg))


def _bridge(name: str, args: list[str]) -> int:
    _early_signals()
    if not args:
        raise CliError(f"{name} runner config path required")
    if args[0] == "help":
        sys.stdout.write(BRIDGE_USAGE.format(name=name))
        return 0
    if args[0] == "run":
        args = args[1:]
    if len(args) != 1:
        raise CliError("invalid argument")
    from node.config import load_bridge_file
    from node.runner import run_bridge

    try:
        cfg = load_bridge_file(args[0])
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    return _run(run_bridge(cfg))


def bridge(args: list[str]) -> int:
    return _bridge("bridge", args)


def attachment(args: list[str]) -> int:
    return _bridge("attachment", args)


COMMANDS = {"node": node, "bridge": bridge, "attachment": attachment}
