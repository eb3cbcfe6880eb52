"""Server-side commands: start, init, validate (docs/protocol/cli.md §8.1–8.3, docs/protocol/config.md)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from moltnet.cli import startlines
from moltnet.cli.flags import CliError, help_requested
from moltnet.config import (
    CONFIG_CANDIDATES,
    DEFAULT_NODE_FILE,
    DEFAULT_SERVER_FILE,
    NODE_CONFIG_CANDIDATES,
    ConfigError,
    find_config_file,
    load_checked,
    load_server_config,
    parse_listen_addr,
    quoted,
)
from moltnet.gocompat.errors import path_error


def start(args: list[str]) -> int:
    """Load config, prepare storage, migrate, reconcile declared state and serve until SIGINT/SIGTERM."""
    try:
        cfg = load_server_config(declared=True)  # what start-up refuses, with the file and line, before storage
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    host, port = parse_listen_addr(cfg.listen_addr)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moltnet.settings")
    import django

    django.setup()
    from django.db import DatabaseError

    # Only after Django is set up from the config above: these read models and settings at import.
    from moltnet.startup import prepare_server
    from pairings.worker import start_background

    try:
        prepare_server(cfg)
        start_background(cfg)  # pairing relay workers (a bad MOLTNET_RELAY_* stops here); stopped at exit
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    except DatabaseError as exc:  # unreachable Postgres, unwritable SQLite file: one line, no traceback
        raise CliError(f"open {cfg.storage_kind} storage: {' '.join(str(exc).split())}") from None
    # Only after Django is set up from the config above: these read models and settings at import.
    from moltnet.asgi import application
    from moltnet.serving import build_server

    server = build_server(application, host, port)
    startlines.announce_when_listening(server, cfg, host, port)
    try:
        server.run()  # until SIGINT/SIGTERM, then a graceful stop
    except SystemExit:
        if getattr(server, "started", False):
            raise
        raise CliError(f"listen on {cfg.listen_addr}: the address is taken or not available (see the line above); "
                       "stop what holds it or set server.listen_addr / MOLTNET_LISTEN_ADDR "
                       "(`moltnet doctor` checks it)") from None
    startlines.stopped(cfg)
    return 0


def init(args: list[str]) -> int:
    if len(args) > 1:
        raise CliError("invalid argument")
    directory = Path(os.path.normpath(args[0] if args else "."))
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise CliError(f'create init directory {quoted(directory)}: {path_error("mkdir", directory, exc)}') from None
    if str(directory) != ".":
        try:
            os.chmod(directory, 0o700)
        except OSError as exc:
            error = path_error("chmod", directory, exc)
            raise CliError(f"secure init directory {quoted(directory)}: {error}") from None
    files = ((directory / "Moltnet", DEFAULT_SERVER_FILE), (directory / "MoltnetNode", DEFAULT_NODE_FILE))
    created = []
    for path, body in files:
        label = os.path.normpath(path)
        try:
            os.stat(path)
            print(f"exists {label}")
            continue
        except FileNotFoundError:
            pass
        except OSError as exc:  # a symlink loop, a permission problem: not "missing"
            raise CliError(f'inspect {quoted(label)}: {path_error("stat", label, exc)}') from None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(body)
        except OSError as exc:
            raise CliError(f'write {quoted(label)}: {path_error("open", label, exc)}') from None
        created.append(label)
    print(f"initialized {directory}")
    if not created:
        print("no files created")
    for label in created:
        print(f"created {label}")
    return 0


VALIDATE_USAGE = """Usage:
  moltnet validate [path]

Checks a Moltnet server config, a MoltnetNode file or a bridge JSON file (a directory: its Moltnet and
MoltnetNode files) without starting anything. For node and bridge files it also resolves every attachment's
token source, as start-up will.
"""


def _load_node(path: Path) -> None:
    # The node's modules load only for the node commands (see moltnet.cli._commands).
    try:
        from node.config import load_node_file, startup_problems
    except ModuleNotFoundError:
        raise ConfigError("MoltnetNode validation is not available") from None
    problems = startup_problems(load_node_file(path).attachments)
    if problems:
        raise ConfigError("\n".join(problems))


def _is_bridge_file(path: Path) -> bool:
    """A bridge config is one JSON object with an `agent` block (server and node files have none)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and any(key.lower() == "agent" for key in data)


def _load_bridge(path: Path) -> None:
    # The node's modules load only for the node commands (see moltnet.cli._commands).
    from node.config import load_bridge_file, startup_problems

    problems = startup_problems([load_bridge_file(path)])
    if problems:
        raise ConfigError("\n".join(problems))


def validate(args: list[str]) -> int:
    if help_requested(args):
        sys.stdout.write(VALIDATE_USAGE)
        return 0
    if len(args) > 1:
        raise CliError("invalid argument")
    target = Path(args[0] if args else ".")
    try:
        is_dir = target.is_dir()
        target.stat()
    except OSError as exc:
        raise CliError(f'inspect {quoted(target)}: {path_error("stat", target, exc)}') from None
    try:
        if is_dir:
            server = find_config_file(target, CONFIG_CANDIDATES, inspect="inspect")
            node = find_config_file(target, NODE_CONFIG_CANDIDATES, inspect="inspect")
            if server is None and node is None:
                raise CliError("no Moltnet or MoltnetNode config found")
            if server is not None:
                load_checked(server)
                print(f"validated {server}")
            if node is not None:
                _load_node(node)
                print(f"validated {node}")
            return 0
        if _is_bridge_file(target):
            _load_bridge(target)
            print(f"validated {target}")
            return 0
        try:
            load_checked(target)
        except ConfigError as server_error:
            try:
                _load_node(target)
            except ConfigError as node_error:
                raise CliError(f'validate {quoted(target)}: as Moltnet config: {server_error}\n'
                               f"as MoltnetNode config: {node_error}") from None
        print(f"validated {target}")
        return 0
    except ConfigError as exc:
        raise CliError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(start(sys.argv[1:]))
