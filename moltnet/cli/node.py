"""`moltnet node`, `moltnet bridge`, `moltnet attachment` (docs/protocol/cli.md §8.4, docs/protocol/node.md §2)."""

from __future__ import annotations

import asyncio
import signal
import sys

from moltnet.cli.flags import HELP_WORDS, CliError, help_requested
from moltnet.config import ConfigError

NODE_USAGE = """Usage:
  moltnet node [path]
  moltnet node start [path]
  moltnet node status [path] [--json]

Runs one attachment per agent listed in a MoltnetNode file (YAML or JSON). Without a path the file is
MOLTNET_NODE_CONFIG, else MoltnetNode, moltnet-node.yaml, moltnet-node.yml or moltnet-node.json here.

`status` reads the node's state files (<config dir>/.moltnet/node-state/): per attachment, connected or not,
the last event, the last wake and its result, queued and failed CLI wakes. `--json` prints it as JSON.

Environment: MOLTNET_LOG_LEVEL (INFO; DEBUG shows CLI runtime output), MOLTNET_NODE_BOOTSTRAP (once: the
"attached" wake runs once per agent and room, always: on every start as the Go node does, never).
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
    # The node's modules load only for the node commands (see moltnet.cli._commands).
    from node import logs

    logs.setup()
    try:
        asyncio.run(coro)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any runner failure is reported once, exit 1
        raise CliError(str(exc)) from None
    return 0


def status(args: list[str]) -> int:
    """`moltnet node status [path] [--json]`."""
    if help_requested(args):
        sys.stdout.write(NODE_USAGE)
        return 0
    as_json = "--json" in args or "-json" in args
    args = [a for a in args if a not in ("--json", "-json")]
    if len(args) > 1:
        raise CliError("invalid argument")
    # The node's modules load only for the node commands (see moltnet.cli._commands).
    from node.config import discover_node_config, load_node_file
    from node.status import dumps, node_status, render

    try:
        document = node_status(load_node_file(discover_node_config(args[0] if args else None)))
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    sys.stdout.write(dumps(document) if as_json else render(document))
    return 0


def node(args: list[str]) -> int:
    if (args and args[0] in HELP_WORDS) or (args[:1] == ["start"] and args[1:2] and args[1] in HELP_WORDS):
        sys.stdout.write(NODE_USAGE)
        return 0
    if args and args[0] == "status":
        return status(args[1:])
    _early_signals()
    if args and args[0] == "start":
        args = args[1:]
    if len(args) > 1:
        raise CliError("invalid argument")
    # The node's modules load only for the node commands (see moltnet.cli._commands).
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
    if args[0] in HELP_WORDS or (args[:1] == ["run"] and args[1:2] and args[1] in HELP_WORDS):
        sys.stdout.write(BRIDGE_USAGE.format(name=name))
        return 0
    if args[0] == "run":
        args = args[1:]
    if len(args) != 1:
        raise CliError("invalid argument")
    # The node's modules load only for the node commands (see moltnet.cli._commands).
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
