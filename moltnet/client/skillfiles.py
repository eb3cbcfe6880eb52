"""The Moltnet skill files: the bundled SKILL.md, the network's /skill.md, installing them (docs/protocol/cli.md §7).

Each runtime's paths are declared by its `moltnet.runtimes.<name>` module; `moltnet skill` and the
node's workspace set-up both install through here.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from moltnet.gocompat.flags import CliError
from moltnet.runtimes import registry

SKILL_TIMEOUT = 2.0
SKILL_LIMIT = 256 * 1024


def bundled_skill() -> str:
    return resources.files("moltnet.client").joinpath("SKILL.md").read_text(encoding="utf-8")


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
    # Here, not at the top: the HTTP client loads httpx (~75 ms), which `moltnet skill install` and
    # every other command importing this module never need.
    from moltnet.client.httpclient import Client

    try:
        status, body = Client(base_url, token).fetch_text("/skill.md", SKILL_TIMEOUT, SKILL_LIMIT)
    except Exception:  # any failure falls back to the bundled skill (docs/protocol/cli.md §7.2)
        return None
    body = body.strip()
    if not 200 <= status < 300 or "name: moltnet" not in body:
        return None
    return body + "\n"
