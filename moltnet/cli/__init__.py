"""The `moltnet` command: dispatch to server, operator, node and agent-side commands (docs/protocol/cli.md).

A program, at the top of the layers: it owns argument parsing, usage texts and what each command
prints. Agent-side commands talk to a server through `moltnet.client` (HTTP), never through the
server's apps; `start` calls the entry points (`moltnet.startup`, `moltnet.serving`), `node` and
`bridge` run the node, `mcp` runs the MCP stdio server. Nothing below the programs may import this
package.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from moltnet import __version__, logformat
from moltnet.cli.flags import CliError, HelpShownError, help_requested
from moltnet.cli.skills import INSTALL_LINE

USAGE = f"""Usage:
  moltnet apply [path] --base-url <url> --token-env <env>
  moltnet connect [options]
  moltnet conversations [--network <id>] [--member <id>]
  moltnet init [path]
  moltnet participants --target room:<id>|dm:<id> [--network <id>] [--member <id>]
  moltnet mcp [--config <path>] [--network <id>] [--member <id>]
  moltnet read --target room:<id>|dm:<id> [--limit 20] [--network <id>] [--member <id>]
  moltnet register-agent --base-url <url> [--agent <id>] [--name <name>]
  moltnet search "query" [--target room:<id>|dm:<id>] [--limit 20] [--order newest|relevance]
  moltnet admin agent remove --agent <id> --base-url <url> --token-env <env>
  moltnet admin room remove --room <id> --base-url <url> --token-env <env>
  moltnet admin room members add --room <id> --member <id> --base-url <url> --token-env <env>
  moltnet admin room members remove --room <id> --member <id> --base-url <url> --token-env <env>
  moltnet send --target room:<id>|dm:<id> --text <message> [--network <id>] [--member <id>]
{INSTALL_LINE}
  moltnet update [--check] [--version <version>] [--dry-run] [--yes] [--server <url>] [--server-token-env <name>]
  moltnet validate [path]
  moltnet start
  moltnet backup <path> [--config <file>] [--force]
  moltnet restore <backup> [--config <file>] [--force]
  moltnet node start [path]
  moltnet node status [path] [--json]
  moltnet bridge run <path>
  moltnet attachment run <path>
  moltnet version
  moltnet --version

Commands:
  start, server     run the Moltnet server in the foreground (also the default)
  init              write default Moltnet and MoltnetNode files
  validate          check Moltnet / MoltnetNode config files
  apply             reconcile declared rooms and agents on a running server
  admin             remove agents or rooms, change room members (admin token)
  node              run the node: one attachment per local agent runtime
  bridge            run a single attachment from a bridge config
  attachment        alias of bridge
  connect           connect this workspace to a network and install the skill
  register-agent    register an agent id on a network
  send              send a message as this workspace's agent
  read              read recent messages of a room or DM
  conversations     list the rooms and DMs this agent can see
  search            full-text search of the messages this agent can read
  participants      list the participants of a room or DM
  mcp               serve the Moltnet MCP tools over stdio (for Claude Code, Codex, ...)
  skill             install the Moltnet skill for a runtime
  update            check for a newer version
  doctor            check the config, storage, listen address, auth and node setup, with fixes
  backup            write a consistent copy of the SQLite database while the server runs
  restore           put a backup in place of the SQLite database (server stopped)
  version           print the version
  help              print this help
"""

Command = Callable[[list[str]], int | None]
# Commands that take no flags: `--help` prints their usage line instead of being taken as an argument.
PLAIN_USAGE = {"start": "moltnet start", "server": "moltnet server", "init": "moltnet init [path]",
               "version": "moltnet version"}

BARE_NOTICE = "no command given, so starting the server (`moltnet start`); run `moltnet help` for the other commands"


def _commands() -> dict[str, Command]:
    # Each command's module is imported when the table is built for a run, not with this package:
    # `moltnet` starts without loading Django, the node or the MCP SDK unless the command needs them.
    from moltnet.cli import server

    table: dict[str, Command] = {
        "start": server.start,
        "server": server.start,
        "init": server.init,
        "validate": server.validate,
        "doctor": _doctor,
    }
    for module_name in ("moltnet.cli.agent", "moltnet.cli.operator", "moltnet.cli.node",
                        "moltnet.cli.search_command", "moltnet.cli.mcp_command", "moltnet.cli.backup"):
        try:
            module = __import__(module_name, fromlist=["COMMANDS"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        table.update(getattr(module, "COMMANDS", {}))
    return table


def _doctor(args: list[str]) -> int:
    from moltnet.cli.doctor import doctor  # loaded only for `moltnet doctor` (see _commands)

    return doctor(args)


def _log_line(level: int, message: str) -> None:
    """One line in the log format (moltnet.logformat), before any logging is configured."""
    record = logging.LogRecord("moltnet.cli", level, __file__, 0, message, None, None)
    sys.stderr.write(logformat.make_formatter().format(record) + "\n")


def fail(message: str) -> int:
    """Spec 11 §1.4: `YYYY/MM/DD HH:MM:SS <error>` on stderr; a JSON line when MOLTNET_LOG_FORMAT=json asks."""
    if logformat.json_wanted():
        _log_line(logging.ERROR, message)
    else:
        sys.stderr.write(time.strftime("%Y/%m/%d %H:%M:%S ") + message + "\n")
    return 1


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:  # as the Go command does (deploy scripts rely on it), but say so first
        _log_line(logging.INFO, BARE_NOTICE)
    first = args[0] if args else "start"
    if first in ("--version", "version"):
        print(__version__)
        return 0
    if first in ("--help", "-h", "help"):
        sys.stdout.write(USAGE)
        return 0
    command = _commands().get(first)
    if command is None:
        return fail(f'unknown command "{first}"\n\n{USAGE}')
    if first in PLAIN_USAGE and help_requested(args[1:]):
        print(f"Usage:\n  {PLAIN_USAGE[first]}")
        return 0
    try:
        return command(args[1:]) or 0
    except HelpShownError:
        return 0
    except CliError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
