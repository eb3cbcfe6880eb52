"""Runtime defaults and bridge-config validation with the spec's exact messages (spec 09 §4.3, §5; spec 10 §1)."""

from __future__ import annotations

import os
import stat
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from moltnet import gourl
from moltnet.config import ConfigError

if TYPE_CHECKING:
    from node.config import BridgeConfig, RuntimeBlock

KINDS = ("openclaw", "picoclaw", "tinyclaw", "pi", "codex", "claude-code")
WAKES = ("", "all", "mentions", "thread_only", "never")
DEFAULT_OPENCLAW_GATEWAY = "ws://127.0.0.1:18789"
DEFAULT_PICOCLAW_EVENTS = "ws://127.0.0.1:18990/pico/ws"
DEFAULT_TINYCLAW_BASE = "http://127.0.0.1:3777"


def _origin(raw: str) -> str:
    """`scheme://host[:port]` of a URL that parses with both (Go's `url.URL.Host`: no user-info), else ""."""
    try:
        parsed = gourl.parse(raw.strip())
    except gourl.UrlError:
        return ""
    return f"{parsed.scheme}://{parsed.host}" if parsed.scheme and parsed.host else ""


def apply_runtime_defaults(rt: RuntimeBlock) -> None:
    """Spec 09 §5. A blank (whitespace-only) field counts as unset, as in Go's trimmed checks (`kind` is exact)."""
    for item in fields(rt):
        if item.name != "kind" and not getattr(rt, item.name).strip():
            setattr(rt, item.name, "")
    if rt.kind == "openclaw":
        if not any((rt.gateway_url, rt.control_url, rt.events_url, rt.command, rt.inbound_url, rt.outbound_url,
                    rt.ack_url)):
            rt.gateway_url = DEFAULT_OPENCLAW_GATEWAY
    elif rt.kind == "picoclaw":
        if not rt.command and rt.config_path:
            rt.command = "picoclaw"
        elif not any((rt.command, rt.config_path, rt.control_url, rt.events_url)):
            rt.events_url = DEFAULT_PICOCLAW_EVENTS
    elif rt.kind == "tinyclaw" and not rt.control_url:
        rt.channel = rt.channel or "moltnet"
        base = next((o for o in map(_origin, (rt.inbound_url, rt.outbound_url, rt.ack_url)) if o),
                    DEFAULT_TINYCLAW_BASE)
        rt.inbound_url = rt.inbound_url or f"{base}/api/message"
        rt.outbound_url = rt.outbound_url or f"{base}/api/responses/pending?channel={quote_plus(rt.channel.strip())}"
        rt.ack_url = rt.ack_url or f"{base}/api/responses"
    elif rt.kind == "claude-code":
        rt.command = rt.command or "claude"
    elif rt.kind == "codex":
        rt.command = rt.command or "codex"


def _check_url(label: str, value: str, schemes: tuple[str, ...]) -> None:
    """Go's url.Parse of the trimmed value: its error text, then the scheme and a non-empty host[:port]."""
    try:
        parsed = gourl.parse(value.strip())
    except gourl.UrlError as exc:
        raise ConfigError(f"bridge config {label} is invalid: {exc}") from None
    if parsed.scheme not in schemes:
        raise ConfigError(f"bridge config {label} scheme {gourl.go_quote(parsed.scheme)} is unsupported")
    if not parsed.host:
        raise ConfigError(f"bridge config {label} host is required")


def _validate_runtime(rt: RuntimeBlock) -> None:
    kind = rt.kind
    if rt.gateway_url:
        if kind != "openclaw":
            raise ConfigError("bridge config runtime.gateway_url is only supported for openclaw")
        _check_url("runtime.gateway_url", rt.gateway_url, ("ws", "wss"))
    if rt.control_url:
        if kind == "openclaw":
            raise ConfigError("bridge config runtime.control_url is unsupported for openclaw; use runtime.gateway_url")
        if kind not in ("picoclaw", "tinyclaw", "pi"):
            raise ConfigError("bridge config runtime.control_url is only supported for picoclaw, tinyclaw, or pi")
        _check_url("runtime.control_url", rt.control_url, ("http", "https"))
    if rt.events_url:
        if kind != "picoclaw":
            raise ConfigError("bridge config runtime.events_url is only supported for picoclaw")
        _check_url("runtime.events_url", rt.events_url, ("ws", "wss"))
    if rt.command:
        if kind not in ("picoclaw", "claude-code", "codex"):
            raise ConfigError("bridge config runtime.command is only supported for picoclaw, claude-code, or codex")
        if kind == "picoclaw" and not rt.config_path:
            raise ConfigError("bridge config runtime.config_path is required when runtime.command is set")
    for name in ("inbound_url", "outbound_url", "ack_url"):
        if getattr(rt, name) and kind != "tinyclaw":
            raise ConfigError(f"bridge config runtime.{name} is only supported for tinyclaw")
    for name in ("inbound_url", "outbound_url", "ack_url"):
        if getattr(rt, name):
            _check_url(f"runtime.{name}", getattr(rt, name), ("http", "https"))
    if rt.config_path and kind != "picoclaw":
        raise ConfigError("bridge config runtime.config_path is only supported for picoclaw")
    # Seam presence (spec 10 §1.3).
    if kind in ("codex", "claude-code") and not rt.workspace_path.strip():
        raise ConfigError(f"bridge config runtime.workspace_path is required for {kind}")
    if kind == "tinyclaw" and not rt.control_url:
        for name in ("inbound_url", "outbound_url", "ack_url"):
            if not getattr(rt, name):
                raise ConfigError(f"bridge config runtime.{name} is required for tinyclaw")
    if kind == "openclaw" and not rt.gateway_url:
        raise ConfigError("bridge config runtime.gateway_url is required for openclaw")
    if kind == "picoclaw" and not (rt.control_url or rt.events_url or rt.command):
        raise ConfigError("bridge config runtime.control_url, runtime.events_url, or runtime.command is required "
                          "for picoclaw")
    if kind == "pi" and not rt.control_url:
        raise ConfigError("bridge config runtime.control_url is required for pi")


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
        raise ConfigError(f"bridge config moltnet.registration {gourl.go_quote(m.registration)} is unsupported")
    mode = m.mode
    if mode == "none":
        if m.static_token:
            raise ConfigError("bridge config moltnet.static_token requires auth_mode open")
    elif mode in ("bearer", "open"):
        # Open mode without a source claims the id and keeps the token under the node's state directory.
        if not m.has_token_source() and not (mode == "open" and m.saved_token_path):
            raise ConfigError(f"bridge config moltnet.token, token_env, or token_path is required for {mode} auth")
    else:
        raise ConfigError(f"bridge config moltnet.auth_mode {gourl.go_quote(mode)} is unsupported")
    if cfg.runtime.kind not in KINDS:
        raise ConfigError(f"bridge config runtime.kind {gourl.go_quote(cfg.runtime.kind)} is unsupported")
    _check_url("moltnet.base_url", m.base_url, ("http", "https"))
    for index, room in enumerate(cfg.rooms):
        if room.wake not in WAKES:
            raise ConfigError(f"bridge config rooms[{index}].wake {gourl.go_quote(room.wake)} is unsupported")
    if cfg.dms is not None and cfg.dms.wake not in WAKES:
        raise ConfigError(f"bridge config dms.wake {gourl.go_quote(cfg.dms.wake)} is unsupported")
    _validate_runtime(cfg.runtime)


def check_private(path: Path, label: str) -> None:
    """Files holding plaintext tokens must be regular private files (spec 09 §3.10, §4.2)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f'{label} "{path}" must not be a symlink when tokens are present')
    if info.st_mode & 0o077:
        raise ConfigError(f'{label} "{path}" must not be group/world readable when tokens are present')
