"""Runtime defaults and bridge-config validation with the spec's exact messages (docs/protocol/node.md §4.3, §5;
docs/protocol/runtimes.md §1).

What each runtime accepts, defaults and requires is declared by its `moltnet.runtimes.<name>` module; this
module applies those declarations in the spec's order."""

from __future__ import annotations

import os
import stat
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from moltnet.config import ConfigError
from moltnet.gocompat import UrlError, parse_url, quote
from moltnet.runtimes import registry
from moltnet.runtimes.spec import RESTRICTED_FIELDS

if TYPE_CHECKING:
    from node.config import BridgeConfig, RuntimeBlock

WAKES = ("", "all", "mentions", "thread_only", "never")


def apply_runtime_defaults(rt: RuntimeBlock) -> None:
    """Spec 09 §5. A blank (whitespace-only) field counts as unset, as in Go's trimmed checks (`kind` is exact);
    then the runtime's own defaults (`moltnet.runtimes.<name>`)."""
    for item in fields(rt):
        if item.name != "kind" and not getattr(rt, item.name).strip():
            setattr(rt, item.name, "")
    spec = registry.lookup(rt.kind)
    if spec is not None:
        spec.apply_defaults(rt)


def _check_url(label: str, value: str, schemes: tuple[str, ...]) -> None:
    """Go's url.Parse of the trimmed value: its error text, then the scheme and a non-empty host[:port]."""
    try:
        parsed = parse_url(value.strip())
    except UrlError as exc:
        raise ConfigError(f"bridge config {label} is invalid: {exc}") from None
    if parsed.scheme not in schemes:
        raise ConfigError(f"bridge config {label} scheme {quote(parsed.scheme)} is unsupported")
    if not parsed.host:
        raise ConfigError(f"bridge config {label} host is required")


def _either(names: tuple[str, ...]) -> str:
    """`a`, `a or b`, `a, b, or c`: how the config errors list the runtimes that accept a field."""
    if len(names) <= 2:
        return " or ".join(names)
    return ", ".join(names[:-1]) + ", or " + names[-1]


def _validate_runtime(rt: RuntimeBlock) -> None:
    """The restricted fields in the spec's order (accepted by this runtime? a valid URL? what it needs?),
    then the runtime's seam-presence rule (docs/protocol/runtimes.md §1.3)."""
    spec = registry.lookup(rt.kind)
    for name, schemes in RESTRICTED_FIELDS:
        value = getattr(rt, name)
        if not value:
            continue
        if spec is None or name not in spec.fields:
            refusal = spec.refusals.get(name) if spec is not None else None
            raise ConfigError(f"bridge config runtime.{name} "
                              + (refusal or f"is only supported for {_either(registry.accepting(name))}"))
        if schemes:
            _check_url(f"runtime.{name}", value, schemes)
        needed = spec.requires.get(name)
        if needed and not getattr(rt, needed):
            raise ConfigError(f"bridge config runtime.{needed} is required when runtime.{name} is set")
    error = spec.seam_error(rt) if spec is not None else ""
    if error:
        raise ConfigError(error)


def validate_bridge(cfg: BridgeConfig) -> None:
    """Spec 09 §4.3 in order; the first failure is raised with the exact message."""
    m = cfg.moltnet
    if not cfg.version.strip():
        raise ConfigError("bridge config version is required")
    if not cfg.agent_id.strip():
        raise ConfigError("bridge config agent.id is required")
    if not m.base_url.strip():
        raise ConfigError("bridge config moltnet.base_url is required")
    if not m.network_id.strip():
        raise ConfigError("bridge config moltnet.network_id is required")
    if m.registration not in ("", "disabled", "token", "open"):
        raise ConfigError(f"bridge config moltnet.registration {quote(m.registration)} is unsupported")
    mode = m.mode
    if mode == "none":
        if m.static_token:
            raise ConfigError("bridge config moltnet.static_token requires auth_mode open")
    elif mode in ("bearer", "open"):
        # Open mode without a source claims the id and keeps the token under the node's state directory.
        if not m.has_token_source() and not (mode == "open" and m.saved_token_path):
            raise ConfigError(f"bridge config moltnet.token, token_env, or token_path is required for {mode} auth")
    else:
        raise ConfigError(f"bridge config moltnet.auth_mode {quote(mode)} is unsupported")
    if registry.lookup(cfg.runtime.kind) is None:
        raise ConfigError(f"bridge config runtime.kind {quote(cfg.runtime.kind)} is unsupported")
    _check_url("moltnet.base_url", m.base_url, ("http", "https"))
    for index, room in enumerate(cfg.rooms):
        if room.wake not in WAKES:
            raise ConfigError(f"bridge config rooms[{index}].wake {quote(room.wake)} is unsupported")
    if cfg.dms is not None and cfg.dms.wake not in WAKES:
        raise ConfigError(f"bridge config dms.wake {quote(cfg.dms.wake)} is unsupported")
    _validate_runtime(cfg.runtime)


def check_private(path: Path, label: str) -> None:
    """Files holding plaintext tokens must be regular private files (docs/protocol/node.md §3.10, §4.2)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f'{label} "{path}" must not be a symlink when tokens are present')
    if info.st_mode & 0o077:
        raise ConfigError(f'{label} "{path}" must not be group/world readable when tokens are present')
