"""`moltnet skill` (docs/protocol/cli.md §7); the skill files themselves are `moltnet.client.skillfiles`.

Each runtime's paths are declared by its `moltnet.runtimes.<name>` module."""

from __future__ import annotations

from moltnet.cli.flags import HELP_WORDS, CliError, FlagSet, no_positional
from moltnet.client.skillfiles import bundled_skill, install
from moltnet.runtimes import registry

# The runtimes with skill paths (docs/protocol/cli.md §7.1), as the usage line and the --runtime help list them.
_SUPPORTED = registry.with_skill()
INSTALL_LINE = f"  moltnet skill install --runtime {'|'.join(_SUPPORTED)} --workspace <path>"
RUNTIME_HELP = f"runtime: {', '.join(_SUPPORTED[:-1])} or {_SUPPORTED[-1]}"
USAGE = f"Usage:\n{INSTALL_LINE}\n"


def skill_command(args: list[str]) -> int:
    if not args:
        raise CliError("skill subcommand required")
    if args[0] in HELP_WORDS:
        print(USAGE, end="")
        return 0
    if args[0] != "install":
        raise CliError(f'unknown skill command "{args[0]}"\n\n{USAGE}')
    flags = FlagSet("skill install")
    flags.string("runtime", "openclaw", RUNTIME_HELP)
    flags.string("workspace", ".", "runtime workspace root")
    values, positional = flags.parse(args[1:])
    no_positional("skill install", positional)
    paths = install(values["runtime"], values["workspace"], bundled_skill())
    print("installed " + ", ".join(paths))
    return 0
