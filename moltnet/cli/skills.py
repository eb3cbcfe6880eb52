"""The Moltnet skill: bundled content, installing it at a runtime's paths and `moltnet skill` (spec 11 §7).

Each runtime's paths are declared by its `moltnet.runtimes.<name>` module."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from moltnet.cli.flags import HELP_WORDS, CliError, FlagSet, no_positional
from moltnet.runtimes import registry

SKILL_TIMEOUT = 2.0
SKILL_LIMIT = 256 * 1024
# The runtimes with skill paths (spec 11 §7.1), as the usage line and the --runtime help list them.
_SUPPORTED = registry.with_skill()
INSTALL_LINE = f"  moltnet skill install --runtime {'|'.join(_SUPPORTED)} --workspace <path>"
RUNTIME_HELP = f"runtime: {', '.join(_SUPPORTED[:-1])} or {_SUPPORTED[-1]}"
USAGE = f"Usage:\n{INSTALL_LINE}\n"


def bundled_skill() -> str:
    return resources.files("moltnet.cli").joinpath("SKILL.md").read_text(encoding="utf-8")


def install(runtime: str, workspace: str, content: str) -> list[str]:
    """Write `content` to every path of `runtime`; returns the written paths as printed."""
    relative = registry.skill_paths(runtime.strip())
    if not relative:
        raise CliError(f'moltnet skill install does not support runtime "{runtime}"')
    written = []
    for rel in relative:
        path = Path(workspace) / rel
        _makedirs(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(path, 0o644)
        written.append(os.path.normpath(os.path.join(workspace, rel)))
    return written


def _makedirs(path: Path) -> None:
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o755)
        os.chmod(directory, 0o755)


def server_skill(base_url: str, token: str) -> str | None:
    """The network's /skill.md if reachable and valid (front matter `name: moltnet`), else None."""
    from moltnet.cli.httpclient import Client

    try:
        status, body = Client(base_url, token).fetch_text("/skill.md", SKILL_TIMEOUT, SKILL_LIMIT)
    except Exception:  # any failure falls back to the bundled skill (spec 11 §7.2)
        return None
    body = body.strip()
    if not 200 <= status < 300 or "name: moltnet" not in body:
        return None
    return body + "\n"


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
