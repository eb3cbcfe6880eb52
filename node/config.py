"""`MoltnetNode` (YAML/JSON) and bridge (JSON) config: discovery, decoding, defaults, validation
(docs/protocol/node.md §3–§6)."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from moltnet.config import NODE_CONFIG_CANDIDATES, ConfigError, typed
from moltnet.gocompat import quote
from moltnet.gocompat.errors import os_cause
from node.state import saved_token_path
from node.tokens import effective_mode, read_token_file, resolve_token
from node.validation import apply_runtime_defaults, check_private, validate_bridge

__all__ = ["BridgeConfig", "NodeConfig", "apply_runtime_defaults", "bridge_from_document", "discover_node_config",
           "load_bridge_file", "load_node_file", "validate_bridge", "validate_node"]

NODE_VERSION = "moltnet.node.v1"
BRIDGE_VERSION = "moltnet.bridge.v1"

_MOLTNET = {"base_url": str, "network_id": str, "auth_mode": str, "registration": str, "static_token": bool,
            "token": str, "token_env": str, "token_path": str}
_RUNTIME = {k: str for k in ("kind", "token", "gateway_url", "events_url", "control_url", "inbound_url",
                             "outbound_url", "ack_url", "channel", "command", "config_path", "home_path",
                             "workspace_path", "session_store_path", "session_prefix", "driver")}
_ROOM = {"id": str, "wake": str, "visibility": str, "write_policy": str, "can_write": bool,
         "access": {"can_read": bool, "can_write": bool, "reason": str}}
_DMS = {"enabled": bool, "wake": str}
_ATTACHMENT = {"agent": {"id": str, "name": str}, "moltnet": {"token": str, "token_env": str, "token_path": str},
               "runtime": _RUNTIME, "rooms": [_ROOM], "dms": _DMS}
NODE_SCHEMA = {"version": str, "moltnet": _MOLTNET, "attachments": [_ATTACHMENT]}
BRIDGE_SCHEMA = {"version": str, "agent": {"id": str, "name": str}, "moltnet": _MOLTNET, "runtime": _RUNTIME,
                 "rooms": [_ROOM], "dms": _DMS}


@dataclass
class MoltnetBlock:
    base_url: str = ""
    network_id: str = ""
    auth_mode: str = ""
    registration: str = ""
    static_token: bool = False
    token: str = ""
    token_env: str = ""
    token_path: str = ""
    # Not a config key: where the node keeps a token it obtained when no token source is configured.
    saved_token_path: str = ""

    @property
    def mode(self) -> str:
        return effective_mode(self.auth_mode, self.token, self.token_env, self.token_path)

    def has_token_source(self) -> bool:
        return bool(self.token.strip() or self.token_env.strip() or self.token_path.strip())

    def resolve_token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """Spec 09 §6.2; without any configured source, the token this node saved earlier (or none yet)."""
        if not self.has_token_source() and self.saved_token_path and self.mode in ("none", "open"):
            return read_token_file(self.saved_token_path) if os.path.lexists(self.saved_token_path) else None
        return resolve_token(self.mode, self.token, self.token_env, self.token_path, environ)

    @property
    def write_back_path(self) -> str:
        """Where a generated agent token is written: the configured token_path, else the saved-token path."""
        return self.token_path.strip() or self.saved_token_path


@dataclass
class RuntimeBlock:
    kind: str = ""
    token: str = ""
    gateway_url: str = ""
    events_url: str = ""
    control_url: str = ""
    inbound_url: str = ""
    outbound_url: str = ""
    ack_url: str = ""
    channel: str = ""
    command: str = ""
    config_path: str = ""
    home_path: str = ""
    workspace_path: str = ""
    session_store_path: str = ""
    session_prefix: str = ""
    driver: str = ""


@dataclass
class RoomBinding:
    id: str = ""
    wake: str = ""
    raw: dict = field(default_factory=dict)  # copied verbatim into workspace client configs


@dataclass
class DMBinding:
    enabled: bool = False
    wake: str = ""
    raw: dict = field(default_factory=dict)


@dataclass
class BridgeConfig:
    """One attachment: an agent identity wired to one runtime seam."""

    version: str = ""
    agent_id: str = ""
    agent_name: str = ""
    moltnet: MoltnetBlock = field(default_factory=MoltnetBlock)
    runtime: RuntimeBlock = field(default_factory=RuntimeBlock)
    rooms: list[RoomBinding] = field(default_factory=list)
    dms: DMBinding | None = None
    path: str = ""  # the file it came from (state files live beside it)

    @property
    def display_name(self) -> str:
        return self.agent_name.strip() or self.agent_id

    def room(self, room_id: str) -> RoomBinding | None:
        """The first binding for a room id (later duplicates are ignored)."""
        return next((r for r in self.rooms if r.id == room_id), None)


@dataclass
class NodeConfig:
    version: str = ""
    moltnet: MoltnetBlock = field(default_factory=MoltnetBlock)
    attachments: list[BridgeConfig] = field(default_factory=list)
    raw_attachments: list[dict] = field(default_factory=list)
    path: str = ""


# ---- decoding -------------------------------------------------------------------------------------------------

def _block(cls: type, data: dict | None, keys: dict) -> Any:
    data = data or {}
    return cls(**{k: (v if v is not None else cls.__dataclass_fields__[k].default) for k, v in data.items()
                  if k in keys})


def _rooms(items: list | None) -> list[RoomBinding]:
    return [RoomBinding(id=r.get("id") or "", wake=r.get("wake") or "", raw=dict(r)) for r in (items or []) if r]


def _dms(data: dict | None) -> DMBinding | None:
    if data is None:
        return None
    return DMBinding(enabled=bool(data.get("enabled")), wake=data.get("wake") or "", raw=dict(data))


def _resolve_relative(token_path: str, config_path: Path) -> str:
    if not token_path.strip() or os.path.isabs(token_path):
        return token_path
    return os.path.normpath(os.path.join(config_path.parent, token_path))


# ---- bridge files ---------------------------------------------------------------------------------------------

def bridge_from_document(data: dict, path: Path) -> BridgeConfig:
    agent = data.get("agent") or {}
    cfg = BridgeConfig(version=data.get("version") or "", agent_id=agent.get("id") or "",
                       agent_name=agent.get("name") or "", moltnet=_block(MoltnetBlock, data.get("moltnet"), _MOLTNET),
                       runtime=_block(RuntimeBlock, data.get("runtime"), _RUNTIME), rooms=_rooms(data.get("rooms")),
                       dms=_dms(data.get("dms")), path=str(path))
    cfg.moltnet.token_path = _resolve_relative(cfg.moltnet.token_path, path)
    cfg.moltnet.saved_token_path = str(saved_token_path(str(path), cfg.moltnet.network_id, cfg.agent_id))
    apply_runtime_defaults(cfg.runtime)
    return cfg


def load_bridge_file(path: str | Path) -> BridgeConfig:
    """Load → resolve token path → defaults → validate → private-file rule (docs/protocol/node.md §4.2)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"read bridge config: open {path}: {os_cause(exc)}") from None
    try:
        # Lenient, as Go decodes bridge JSON: names fold case, unknown keys are ignored.
        data = typed.from_json(typed.parse_json(text), BRIDGE_SCHEMA, "", strict=False)
    except ConfigError as exc:
        raise ConfigError(f"decode bridge config: {exc}") from None
    if data is None:
        data = {}
    cfg = bridge_from_document(data, path)
    validate_bridge(cfg)
    if cfg.moltnet.token.strip() or cfg.runtime.token.strip():
        check_private(path, "bridge config")
    return cfg


# ---- MoltnetNode files ----------------------------------------------------------------------------------------

def discover_node_config(arg: str | None = None, environ: Mapping[str, str] | None = None,
                         cwd: Path | None = None) -> Path:
    """Spec 09 §3.1: explicit path, then MOLTNET_NODE_CONFIG, then well-known names in the working directory."""
    environ = os.environ if environ is None else environ
    explicit = arg if arg else (environ.get("MOLTNET_NODE_CONFIG") or "")
    if explicit:
        try:
            info = os.stat(explicit)
        except OSError as exc:
            raise ConfigError(f"stat {explicit}: {os_cause(exc)}") from None
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f'MoltnetNode config "{explicit}" is a directory')
        return Path(explicit)
    cwd = cwd or Path.cwd()
    for name in NODE_CONFIG_CANDIDATES:
        candidate = cwd / name
        try:
            info = os.stat(candidate)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(f"stat {candidate}: {os_cause(exc)}") from None
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f'MoltnetNode config "{candidate}" is a directory')
        return candidate
    raise ConfigError("MoltnetNode config not found")


def _read_node_document(path: Path) -> dict:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"read MoltnetNode config: open {path}: {os_cause(exc)}") from None
    try:
        # Typed as Go decodes it (yaml.v3 / encoding/json): `id: 007` stays "007", `name: yes` is "yes".
        if path.suffix.lower() == ".json":
            data = typed.decode_json(text, NODE_SCHEMA)
        else:
            data = typed.decode_yaml(text, NODE_SCHEMA)
        return data or {}  # a `null` document is an empty config, as in Go
    except (yaml.YAMLError, ConfigError) as exc:
        cause = " ".join(str(exc).split())
        # The spec's text first, then which file (and for an empty one, what to write).
        where = f"in {quote(str(path))}"
        if cause == "EOF":
            where += ': the file is empty; write "version: moltnet.v1", a moltnet block and attachments'
        raise ConfigError(f"decode MoltnetNode config: {cause} ({where})") from None


def attachment_bridge(shared: MoltnetBlock, entry: dict, path: Path) -> BridgeConfig:
    """Spec 09 §3.9: an attachment entry becomes a bridge config (token sources replaced as a group)."""
    moltnet = MoltnetBlock(**vars(shared))
    override = entry.get("moltnet") or {}
    if any((override.get(k) or "").strip() for k in ("token", "token_env", "token_path")):
        moltnet.token = override.get("token") or ""
        moltnet.token_env = override.get("token_env") or ""
        moltnet.token_path = _resolve_relative(override.get("token_path") or "", path)
    agent = entry.get("agent") or {}
    cfg = BridgeConfig(version=BRIDGE_VERSION, agent_id=agent.get("id") or "", agent_name=agent.get("name") or "",
                       moltnet=moltnet, runtime=_block(RuntimeBlock, entry.get("runtime"), _RUNTIME),
                       rooms=_rooms(entry.get("rooms")), dms=_dms(entry.get("dms")), path=str(path))
    moltnet.saved_token_path = str(saved_token_path(str(path), moltnet.network_id, cfg.agent_id))
    apply_runtime_defaults(cfg.runtime)
    return cfg


def _check_shared_open(m: MoltnetBlock, environ: Mapping[str, str]) -> None:
    """Spec 09 §6.6: a shared open-mode token must be an operator-issued static token."""
    if m.mode != "open" or not m.has_token_source():
        return
    if not m.static_token:
        raise ConfigError("moltnet.static_token must be true when a shared open-mode token source is configured")
    if m.token == "" and m.token_env.strip() and not (environ.get(m.token_env.strip()) or "").strip():
        raise ConfigError(f'environment variable "{m.token_env.strip()}" is required for shared open auth')
    token = resolve_token("open", m.token, m.token_env, m.token_path, environ, missing_file_ok=False)
    if token and token.startswith("magt_v1_"):
        raise ConfigError("shared open-mode token source must not contain a generated agent token")


def validate_node(cfg: NodeConfig, environ: Mapping[str, str] | None = None) -> None:
    """Spec 09 §3.9 validation order."""
    environ = os.environ if environ is None else environ
    if cfg.version.strip() and cfg.version.strip() != NODE_VERSION:
        raise ConfigError(f"unsupported MoltnetNode version {quote(cfg.version)}")
    if not cfg.moltnet.base_url.strip():
        raise ConfigError("moltnet.base_url is required")
    if not cfg.moltnet.network_id.strip():
        raise ConfigError("moltnet.network_id is required")
    _check_shared_open(cfg.moltnet, environ)
    seen: set[str] = set()
    for index, bridge in enumerate(cfg.attachments):
        agent_id = bridge.agent_id.strip()
        if not agent_id:
            raise ConfigError(f"attachments[{index}].agent.id is required")
        if agent_id in seen:
            raise ConfigError(f"duplicate attachment agent.id {quote(agent_id)}")
        seen.add(agent_id)
        try:
            validate_bridge(bridge)
        except ConfigError as exc:
            raise ConfigError(f"attachments[{index}]: {exc}") from None


def load_node_file(path: str | Path, environ: Mapping[str, str] | None = None) -> NodeConfig:
    """Read, decode strictly, convert, validate and apply the private-file rule (docs/protocol/node.md §3)."""
    path = Path(path)
    data = _read_node_document(path)
    shared = _block(MoltnetBlock, data.get("moltnet"), _MOLTNET)
    shared.token_path = _resolve_relative(shared.token_path, path)
    entries = [e or {} for e in data.get("attachments") or []]
    cfg = NodeConfig(version=data.get("version") or "", moltnet=shared, raw_attachments=entries, path=str(path),
                     attachments=[attachment_bridge(shared, e, path) for e in entries])
    validate_node(cfg, environ)
    has_plain_token = shared.token.strip() or any(
        ((e.get("moltnet") or {}).get("token") or "").strip() or ((e.get("runtime") or {}).get("token") or "").strip()
        for e in entries)
    if has_plain_token:
        check_private(path, "MoltnetNode config")
    return cfg


def startup_problems(attachments: list[BridgeConfig], environ: Mapping[str, str] | None = None) -> list[str]:
    """What start-up would refuse beyond the file itself: each attachment's token must resolve, as the
    compatibility preflight will resolve it (`moltnet validate` reports these; nothing is contacted)."""
    problems = []
    for cfg in attachments:
        try:
            token = cfg.moltnet.resolve_token(environ)
            if token is None and cfg.moltnet.mode == "open":
                _check_claim_directory(cfg.moltnet.write_back_path)
        except ConfigError as exc:
            text = f"attachment {cfg.agent_id.strip() or '<unknown>'}: resolve moltnet token for compatibility " \
                   f"preflight: {exc}"
            if cfg.moltnet.mode == "bearer" and not cfg.moltnet.auth_mode.strip() and \
                    cfg.moltnet.token_path.strip() and not os.path.lexists(cfg.moltnet.token_path):
                text += " (on an open network, set moltnet.auth_mode: open so the first attach claims the id " \
                        "and writes this file)"
            problems.append(text)
    return problems


def _check_claim_directory(path: str) -> None:
    """The first claim writes the token file: its nearest existing directory must be writable (nothing created)."""
    directory = Path(path).parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(f'moltnet token_path directory "{Path(path).parent}" is not writable: permission denied')
