"""The `Moltnet` server config file: discovery, strict decoding, defaults, env overrides (spec 04)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_CANDIDATES = ("Moltnet", "moltnet.yaml", "moltnet.yml", "moltnet.json")
NODE_CONFIG_CANDIDATES = ("MoltnetNode", "moltnet-node.yaml", "moltnet-node.yml", "moltnet-node.json")
SCOPES = ("observe", "write", "admin", "attach", "pair")
VISIBILITIES = ("", "private", "public")
WRITE_POLICIES = ("", "members", "registered_agents", "operators")

DEFAULT_SERVER_FILE = """version: moltnet.v1

network:
  id: local
  name: Local Moltnet

server:
  listen_addr: ":8787"
  human_ingress: true
  debug_events: false

storage:
  kind: sqlite
  sqlite:
    path: .moltnet/moltnet.db

rooms: []
pairings: []
"""

DEFAULT_NODE_FILE = """version: moltnet.node.v1

moltnet:
  base_url: http://127.0.0.1:8787
  network_id: local

attachments: []
"""


class ConfigError(Exception):
    """A config problem; the message is shown to the operator as-is."""


def os_error(op: str, path: object, exc: OSError) -> str:
    """Go's *PathError text, e.g. `stat Moltnet: no such file or directory`."""
    reason = exc.strerror or str(exc)
    return f"{op} {path}: {reason[:1].lower()}{reason[1:]}"


# Known keys per nesting level; decoding is strict (unknown keys rejected) as in Go.
_SCHEMA: dict[str, Any] = {
    "version": str,
    "network": {"id": str, "name": str},
    "server": {
        "listen_addr": str,
        "human_ingress": bool,
        "direct_messages": bool,
        "debug_events": bool,
        "allowed_origins": [str],
        "trust_forwarded_proto": bool,
        "console": {"analytics": {"provider": str, "measurement_id": str}},
        "data_path": str,
        # Extensions beyond the Go server (additive keys).
        "redis_url": str,
        "event_retention": str,
    },
    "auth": {
        "mode": str,
        "public_read": bool,
        "agent_registration": str,
        "tokens": [{"id": str, "value": str, "scopes": [str], "agents": [str]}],
        "rate_limits": {"register_per_minute": int, "attach_per_minute": int, "enabled": bool},
    },
    "storage": {
        "kind": str,
        "sqlite": {"path": str},
        "json": {"path": str},
        "postgres": {"dsn": str},
    },
    "rooms": [{"id": str, "name": str, "members": [str], "visibility": str, "write_policy": str}],
    "pairings": [
        {
            "id": str,
            "remote_network_id": str,
            "remote_network_name": str,
            "remote_base_url": str,
            "token": str,
            "status": str,
            "diagnostics": dict,
        }
    ],
}


def _type_name(kind: Any) -> str:
    return {str: "string", bool: "bool", int: "int", dict: "object"}.get(kind, "value")


def check_shape(value: Any, schema: Any, where: str) -> None:
    """Reject unknown keys and wrong types, naming the offending field."""
    if value is None:
        return
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{where or 'document'}: expected a mapping")
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if key not in schema:
                raise ConfigError(f"field {path} not found in type")
            check_shape(item, schema[key], path)
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list")
        for index, item in enumerate(value):
            check_shape(item, schema[0], f"{where}[{index}]")
    elif schema is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected a bool, got {value!r}")
    elif schema is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an int, got {value!r}")
    elif schema is str:
        if isinstance(value, (dict, list)):
            raise ConfigError(f"{where}: expected a {_type_name(schema)}")
    elif schema is dict and not isinstance(value, dict):
        raise ConfigError(f"{where}: expected an object")


@dataclass
class TokenConfig:
    id: str
    value: str
    scopes: list[str]
    agents: list[str]


@dataclass
class RoomConfig:
    id: str
    name: str = ""
    members: list[str] = field(default_factory=list)
    visibility: str = ""
    write_policy: str = ""


@dataclass
class PairingConfig:
    id: str
    remote_network_id: str = ""
    remote_network_name: str = ""
    remote_base_url: str = ""
    token: str = ""
    status: str = ""
    diagnostics: dict | None = None


@dataclass
class ServerConfig:
    """The effective server configuration after defaults, file and environment."""

    path: str = ""
    network_id: str = "local"
    network_name: str = "Local Moltnet"
    listen_addr: str = ":8787"
    human_ingress: bool = True
    direct_messages: bool = True
    debug_events: bool = False
    allowed_origins: list[str] = field(default_factory=list)
    trust_forwarded_proto: bool = False
    analytics_provider: str = ""
    analytics_measurement_id: str = ""
    auth_mode: str = "none"
    public_read: bool = False
    agent_registration: str = "disabled"
    tokens: list[TokenConfig] = field(default_factory=list)
    rate_limits_enabled: bool | None = None
    register_per_minute: int = 10
    attach_per_minute: int = 30
    storage_kind: str = "sqlite"
    sqlite_path: str = ".moltnet/moltnet.db"
    json_path: str = ""
    postgres_dsn: str = ""
    redis_url: str = ""
    event_retention: str = "168h"
    rooms: list[RoomConfig] = field(default_factory=list)
    pairings: list[PairingConfig] = field(default_factory=list)

    @property
    def rate_limits_active(self) -> bool:
        if self.rate_limits_enabled is None:
            return self.auth_mode == "open"
        return self.rate_limits_enabled


def find_config_file(cwd: Path | None = None, candidates: tuple[str, ...] = CONFIG_CANDIDATES) -> Path | None:
    cwd = cwd if cwd is not None else Path()  # relative names, as Go reports them
    for name in candidates:
        path = cwd / name
        try:
            if path.is_file():
                return path
        except OSError as exc:
            raise ConfigError(f'inspect Moltnet config "{path}": {os_error("stat", path, exc)}') from exc
    return None


def read_document(path: Path, label: str = "Moltnet config") -> dict:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f'read {label} "{path}": {os_error("open", path, exc)}') from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else next(yaml.safe_load_all(text), None)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f'decode {label} "{path}": {_one_line(exc)}') from exc
    if data is None:
        raise ConfigError(f'decode {label} "{path}": EOF')
    if not isinstance(data, dict):
        raise ConfigError(f'decode {label} "{path}": expected a mapping at the top level')
    return data


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _strs(values: Any) -> list[str]:
    return [_s(v) for v in (values or [])]


def apply_document(cfg: ServerConfig, data: dict) -> None:
    """Merge a decoded file over the defaults (spec 04 §3)."""
    network = data.get("network") or {}
    if _s(network.get("id")):
        cfg.network_id = _s(network["id"])
    if _s(network.get("name")):
        cfg.network_name = _s(network["name"])
    server = data.get("server") or {}
    if _s(server.get("listen_addr")):
        cfg.listen_addr = _s(server["listen_addr"])
    for key in ("human_ingress", "direct_messages", "debug_events"):
        if server.get(key) is not None:
            setattr(cfg, key, bool(server[key]))
    if "allowed_origins" in server:
        cfg.allowed_origins = _strs(server["allowed_origins"])
    cfg.trust_forwarded_proto = bool(server.get("trust_forwarded_proto") or False)
    analytics = ((server.get("console") or {}).get("analytics")) or {}
    if _s(analytics.get("provider")).strip() or _s(analytics.get("measurement_id")).strip():
        cfg.analytics_provider = _s(analytics.get("provider")).strip()
        cfg.analytics_measurement_id = _s(analytics.get("measurement_id")).strip()
    if _s(server.get("redis_url")):
        cfg.redis_url = _s(server["redis_url"])
    if _s(server.get("event_retention")):
        cfg.event_retention = _s(server["event_retention"])
    auth = data.get("auth") or {}
    if _s(auth.get("mode")).strip():
        cfg.auth_mode = _s(auth["mode"]).strip()
    if auth.get("public_read") is not None:
        cfg.public_read = bool(auth["public_read"])
    if _s(auth.get("agent_registration")).strip():
        cfg.agent_registration = _s(auth["agent_registration"]).strip()
    if "tokens" in auth:
        cfg.tokens = [
            TokenConfig(_s(t.get("id")), _s(t.get("value")), _strs(t.get("scopes")), _strs(t.get("agents")))
            for t in auth.get("tokens") or []
        ]
    limits = auth.get("rate_limits") or {}
    if limits.get("enabled") is not None:
        cfg.rate_limits_enabled = bool(limits["enabled"])
    if limits.get("register_per_minute") is not None:
        cfg.register_per_minute = int(limits["register_per_minute"])
    if limits.get("attach_per_minute") is not None:
        cfg.attach_per_minute = int(limits["attach_per_minute"])
    storage = data.get("storage") or {}
    if _s(storage.get("kind")):
        cfg.storage_kind = _s(storage["kind"])
    elif _s(server.get("data_path")):
        cfg.storage_kind, cfg.json_path = "json", _s(server["data_path"])
    if _s((storage.get("sqlite") or {}).get("path")):
        cfg.sqlite_path = _s(storage["sqlite"]["path"])
    if _s((storage.get("json") or {}).get("path")):
        cfg.json_path = _s(storage["json"]["path"])
    if _s((storage.get("postgres") or {}).get("dsn")):
        cfg.postgres_dsn = _s(storage["postgres"]["dsn"])
    if "rooms" in data:
        cfg.rooms = [
            RoomConfig(_s(r.get("id")), _s(r.get("name")), _strs(r.get("members")),
                       _s(r.get("visibility")), _s(r.get("write_policy")))
            for r in data.get("rooms") or []
        ]
    if "pairings" in data:
        cfg.pairings = [_pairing(p) for p in data.get("pairings") or []]


def _pairing(p: dict) -> PairingConfig:
    return PairingConfig(
        _s(p.get("id")), _s(p.get("remote_network_id")), _s(p.get("remote_network_name")),
        _s(p.get("remote_base_url")), _s(p.get("token")), _s(p.get("status")), p.get("diagnostics"),
    )


def validate_document(data: dict) -> None:
    """File-level validation in the spec's order: version, storage, auth, analytics, pairings, rooms."""
    version = _s(data.get("version")).strip()
    if version and version != "moltnet.v1":
        raise ConfigError(f'unsupported version "{version}"')
    storage = data.get("storage") or {}
    kind = _s(storage.get("kind"))
    if kind not in ("", "memory", "json", "sqlite", "postgres"):
        raise ConfigError(f'unsupported storage kind "{kind}"')
    if kind == "json" and not _s((storage.get("json") or {}).get("path")):
        raise ConfigError("storage.json.path is required for json storage")
    if kind == "sqlite" and not _s((storage.get("sqlite") or {}).get("path")):
        raise ConfigError("storage.sqlite.path is required for sqlite storage")
    if kind == "postgres" and not _s((storage.get("postgres") or {}).get("dsn")):
        raise ConfigError("storage.postgres.dsn is required for postgres storage")
    cfg = ServerConfig()
    apply_document(cfg, data)
    validate_auth(cfg)
    validate_analytics(cfg)
    for index, pairing in enumerate(cfg.pairings):
        validate_pairing(index, pairing)
    for index, room in enumerate(cfg.rooms):
        if room.visibility not in VISIBILITIES:
            raise ConfigError(f'rooms[{index}].visibility: unsupported room visibility "{room.visibility}"')
        if room.write_policy not in WRITE_POLICIES:
            raise ConfigError(f'rooms[{index}].write_policy: unsupported room write_policy "{room.write_policy}"')


def validate_auth(cfg: ServerConfig) -> None:
    if cfg.auth_mode not in ("none", "bearer", "open"):
        raise ConfigError(f'unsupported auth mode "{cfg.auth_mode}"')
    if cfg.auth_mode == "open":
        cfg.public_read, cfg.agent_registration = True, "open"
    elif cfg.agent_registration not in ("disabled", "token", "open"):
        raise ConfigError(f'unsupported auth.agent_registration "{cfg.agent_registration}"')
    if cfg.auth_mode == "none":
        return
    if cfg.auth_mode == "bearer" and not cfg.tokens:
        raise ConfigError("bearer auth requires at least one token")
    for index, token in enumerate(cfg.tokens):
        if not token.value.strip():
            raise ConfigError(f"auth.tokens[{index}].value is required")
        if not token.scopes:
            raise ConfigError(f"auth.tokens[{index}].scopes is required")
        for scope in token.scopes:
            if scope.strip() not in SCOPES:
                raise ConfigError(f'auth.tokens[{index}].scope "{scope.strip()}" is unsupported')


def validate_analytics(cfg: ServerConfig) -> None:
    provider, mid = cfg.analytics_provider, cfg.analytics_measurement_id
    if not provider and not mid:
        return
    if not provider:
        raise ConfigError("server.console.analytics.provider is required")
    if provider != "google":
        raise ConfigError(f'unsupported server.console.analytics.provider "{provider}"')
    if not mid:
        raise ConfigError("server.console.analytics.measurement_id is required")
    if not mid.startswith("G-"):
        raise ConfigError("server.console.analytics.measurement_id must be a Google Analytics measurement ID")


def validate_pairing(index: int, pairing: PairingConfig) -> None:
    if not pairing.id.strip():
        raise ConfigError(f"pairings[{index}].id is required")
    url = pairing.remote_base_url.strip()
    if not url:
        raise ConfigError(f"pairings[{index}].remote_base_url is required")
    from moltnet import gourl

    try:
        parsed = gourl.parse(url)
    except gourl.UrlError as exc:
        raise ConfigError(f"pairings[{index}].remote_base_url is invalid: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise ConfigError(f'pairings[{index}].remote_base_url scheme "{parsed.scheme}" is unsupported')
    if not parsed.host.strip():
        raise ConfigError(f"pairings[{index}].remote_base_url host is required")


def has_embedded_secrets(data: dict) -> bool:
    if any(_s(p.get("token")).strip() for p in data.get("pairings") or [] if isinstance(p, dict)):
        return True
    auth = data.get("auth") or {}
    if any(_s(t.get("value")).strip() for t in auth.get("tokens") or [] if isinstance(t, dict)):
        return True
    storage = data.get("storage") or {}
    return _s(storage.get("kind")) == "postgres" and bool(_s((storage.get("postgres") or {}).get("dsn")).strip())


def check_private_file(path: Path) -> None:
    """Spec 04 §5: files with embedded secrets must not be symlinks or group/world readable."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f'moltnet config "{path}" must not be a symlink when secrets are present')
    if info.st_mode & 0o077:
        raise ConfigError(f'moltnet config "{path}" must not be group/world readable when tokens are present')


def load_file(path: Path, *, label: str = "Moltnet config") -> ServerConfig:
    """Read, decode strictly, validate and apply the private-file rule; no env overrides."""
    data = read_document(path, label)
    try:
        check_shape(data, _SCHEMA, "")
    except ConfigError as exc:
        raise ConfigError(f'decode {label} "{path}": {exc}') from exc
    try:
        validate_document(data)
    except ConfigError as exc:
        raise ConfigError(f'validate {label} "{path}": {exc}') from exc
    if has_embedded_secrets(data):
        check_private_file(path)
    cfg = ServerConfig(path=str(path))
    apply_document(cfg, data)
    validate_auth(cfg)
    return cfg


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _env(name: str, environ: dict) -> str:
    return (environ.get(name) or "").strip()


def _env_bool(name: str, environ: dict) -> bool | None:
    value = _env(name, environ).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def apply_environment(cfg: ServerConfig, environ: dict) -> None:
    """Spec 04 §4 environment overrides, applied after the file."""
    for var, attr in (("MOLTNET_LISTEN_ADDR", "listen_addr"), ("MOLTNET_NETWORK_ID", "network_id"),
                      ("MOLTNET_NETWORK_NAME", "network_name"), ("MOLTNET_REDIS_URL", "redis_url")):
        if _env(var, environ):
            setattr(cfg, attr, _env(var, environ))
    for var, attr in (("MOLTNET_ALLOW_HUMAN_INGRESS", "human_ingress"), ("MOLTNET_DEBUG_EVENTS", "debug_events"),
                      ("MOLTNET_ALLOW_DIRECT_MESSAGES", "direct_messages")):
        flag = _env_bool(var, environ)
        if flag is not None:
            setattr(cfg, attr, flag)
    if _env("MOLTNET_CONSOLE_ANALYTICS_PROVIDER", environ):
        cfg.analytics_provider = _env("MOLTNET_CONSOLE_ANALYTICS_PROVIDER", environ)
    if _env("MOLTNET_CONSOLE_ANALYTICS_MEASUREMENT_ID", environ):
        cfg.analytics_measurement_id = _env("MOLTNET_CONSOLE_ANALYTICS_MEASUREMENT_ID", environ)
    validate_analytics(cfg)
    raw_pairings = _env("MOLTNET_PAIRINGS_JSON", environ)
    if raw_pairings:
        try:
            items = json.loads(raw_pairings)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"MOLTNET_PAIRINGS_JSON must contain valid JSON: {exc}") from exc
        if not isinstance(items, list):
            raise ConfigError("MOLTNET_PAIRINGS_JSON must contain valid JSON: expected an array")
        cfg.pairings = [_pairing(p) for p in items if isinstance(p, dict)]
    explicit_kind = _env("MOLTNET_STORAGE_KIND", environ)
    for var, kind, attr in (("MOLTNET_JSON_PATH", "json", "json_path"), ("MOLTNET_DATA_PATH", "json", "json_path"),
                            ("MOLTNET_SQLITE_PATH", "sqlite", "sqlite_path"),
                            ("MOLTNET_POSTGRES_DSN", "postgres", "postgres_dsn")):
        if _env(var, environ):
            setattr(cfg, attr, _env(var, environ))
            if not explicit_kind:
                cfg.storage_kind = kind
    if explicit_kind:
        cfg.storage_kind = explicit_kind


def locate_config(environ: dict | None = None, cwd: Path | None = None) -> Path | None:
    environ = os.environ if environ is None else environ
    explicit = _env("MOLTNET_CONFIG", environ)
    if explicit:
        path = Path(explicit)
        try:
            info = path.stat()
        except OSError as exc:
            raise ConfigError(f'stat Moltnet config "{explicit}": {os_error("stat", explicit, exc)}') from exc
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f'moltnet config "{explicit}" is a directory')
        return path
    return find_config_file(cwd)


def load_server_config(environ: dict | None = None, cwd: Path | None = None) -> ServerConfig:
    """Load the effective config exactly as `moltnet start` does."""
    environ = dict(os.environ if environ is None else environ)
    path = locate_config(environ, cwd)
    cfg = load_file(path) if path else ServerConfig()
    apply_environment(cfg, environ)
    if cfg.storage_kind not in ("memory", "json", "sqlite", "postgres"):
        raise ConfigError(f'unsupported storage kind "{cfg.storage_kind}"')
    if cfg.storage_kind == "json":
        raise ConfigError(
            'storage kind "json" is not supported by this server; use "sqlite" (the default) or "postgres"'
        )
    return cfg


def resolve_relative(cfg: ServerConfig) -> None:
    """Storage paths are relative to the working directory, as in Go."""
    if cfg.sqlite_path:
        cfg.sqlite_path = str(Path(cfg.sqlite_path))
