"""`moltnet update` (docs/protocol/cli.md §8.7) for the Python distribution.

A Python install is never a Go release tarball, so this command never downloads or replaces
anything: it prints the spec's report, probes `--server` if asked, and refuses to mutate.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import sys
from pathlib import Path

from moltnet import __version__
from moltnet.cli.flags import CliError, FlagSet, no_positional
from moltnet.client.httpclient import Client

CONTAINER_REASON = ("self-update is not available inside container installs; "
                    "pull a newer Moltnet image and restart the container")
SOURCE_REASON = ("self-update is not available for source or development builds; "
                 "update the checkout (git pull) and reinstall its requirements")
PACKAGE_REASON = ("self-update is not available for Python package installs; "
                  "upgrade the package with pip install --upgrade moltnet")
UNKNOWN_REASON = ("self-update is not available: this install's method is unknown; reinstall Moltnet the way "
                  "you installed it (pip install --upgrade moltnet, git pull, or a newer container image)")
DOCKERENV = Path("/.dockerenv")
NO_RELEASE_HOSTS = ("the latest Moltnet release cannot be checked: the Python distribution does not contact "
                    "release hosts; pass --version <version> to compare against a specific release")


def install_method() -> str:
    """How this copy was installed, as far as can be told honestly.

    `container` when the operator says so (MOLTNET_CONTAINER); `source` for an editable install or a
    checkout run in place (git pull updates it), even inside a development container; `container`
    for any other copy inside a container (`container` env var, /.dockerenv); `pip` for a package
    installed into site-packages; `unknown` otherwise.
    """
    if os.environ.get("MOLTNET_CONTAINER"):
        return "container"
    if _editable() or _runs_from_checkout() or __version__.endswith("-dev"):
        return "source"
    # `container` is lower-case as systemd-nspawn and podman set it.
    if os.environ.get("container") or DOCKERENV.exists():  # noqa: SIM112
        return "container"
    if _installed_package():
        return "pip"
    return "unknown"


def _distribution() -> importlib.metadata.Distribution | None:
    try:
        return importlib.metadata.distribution("moltnet")
    except importlib.metadata.PackageNotFoundError:
        return None


def _editable() -> bool:
    dist = _distribution()
    text = dist.read_text("direct_url.json") if dist is not None else None
    try:
        return bool(text and json.loads(text).get("dir_info", {}).get("editable"))
    except (ValueError, AttributeError):
        return False


def _runs_from_checkout() -> bool:
    """This module is read from a source tree (pyproject.toml beside the package), not site-packages."""
    package = Path(__file__).resolve().parents[1]
    if any(part in ("site-packages", "dist-packages") for part in package.parts):
        return False
    checkout = package.parent
    return (checkout / "pyproject.toml").exists() or (checkout / ".git").exists()


def _installed_package() -> bool:
    package = Path(__file__).resolve().parents[1]
    return _distribution() is not None and any(part in ("site-packages", "dist-packages") for part in package.parts)


def _plain(version: str) -> str:
    return version.strip().removeprefix("v")


def _server_line(url: str, token_env: str) -> tuple[str, str | None]:
    token = os.environ.get(token_env, "").strip() if token_env.strip() else ""
    try:
        network = Client(url, token).get("/v1/network") or {}
    except CliError as exc:
        return f"{url} warning: {exc}", str(exc)
    return f"{url} reports {network.get('version') or '-'}", None


def update(args: list[str]) -> int:
    flags = FlagSet("update")
    flags.boolean("check", False, "report only")
    flags.boolean("dry-run", False, "plan only")
    flags.string("version", "", "target release (default: latest)")
    flags.boolean("yes", False, "accepted for compatibility; there are no prompts")
    flags.string("server", "", "also report the version of this Moltnet server")
    flags.string("server-token-env", "", "environment variable holding a bearer token for --server")
    values, positional = flags.parse(args)
    no_positional("update", positional)

    method = install_method()
    target = values["version"].strip()
    title = "Moltnet update check" if values["check"] else "Moltnet update dry run" if values["dry-run"] \
        else "Moltnet update"
    script = Path(sys.executable).parent / "moltnet"
    fields = [("installed binary", str(script) if script.exists() else shutil.which("moltnet") or sys.argv[0]),
              ("installed version", __version__)]
    warnings = []
    if not target:
        fields.append(("latest version", ""))
        warnings.append("latest version not checked: the Python distribution does not contact release hosts")
    fields += [("target version", target), ("asset", ""), ("checksum", "unavailable"), ("install method", method)]
    if values["server"].strip():
        line, _ = _server_line(values["server"].strip(), values["server-token-env"])
        fields.append(("server", line))

    lines = [title, ""]
    lines += [f"{label + ':':<18} {value or '-'}" for label, value in fields]
    lines += [f"warning: {w}" for w in warnings]
    lines.append("")
    reason = {"container": CONTAINER_REASON, "source": SOURCE_REASON, "pip": PACKAGE_REASON}.get(method, UNKNOWN_REASON)
    report_only = values["check"] or values["dry-run"]
    if target and _plain(target) == _plain(__version__):
        lines.append("Moltnet is already at the requested version.")
        print("\n".join(lines))
        return 0
    if report_only and target:
        lines.append("Update available, but self-update is not available for this install.")
        print("\n".join(lines))
        return 0
    lines.append("Self-update is not available for this install.")
    print("\n".join(lines))
    raise CliError(NO_RELEASE_HOSTS if report_only else reason)
