"""Finding, reading and strictly decoding a `Moltnet` file; merging it over the defaults (docs/protocol/config.md §1,
§3)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from moltnet.config.hints import Marks
from moltnet.config.model import (
    CONFIG_CANDIDATES,
    ConfigError,
    EmptyDocumentError,
    PairingConfig,
    RoomConfig,
    ServerConfig,
    TokenConfig,
    quoted,
)
from moltnet.config.typed import TIME, decode_json, decode_yaml_located
from moltnet.gocompat.errors import path_error

_DIAGNOSTICS = {
    "checked_at": TIME, "remote_version": str, "remote_network_id": str,
    "remote_protocols": {"http": [str], "attach": [str], "pair": [str]}, "reason": str, "message": str,
}
PAIRING_SCHEMA: dict[str, Any] = {
    "id": str, "remote_network_id": str, "remote_network_name": str, "remote_base_url": str, "token": str,
    "status": str, "diagnostics": _DIAGNOSTICS,
}
# Known keys per nesting level; decoding is strict (unknown keys rejected) as in Go.
SCHEMA: dict[str, Any] = {
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
        "trusted_proxies": [str],
        "allow_unauthenticated_all_interfaces": bool,
    },
    "auth": {
        "mode": str,
        "public_read": bool,
        "agent_registration": str,
        "tokens": [{"id": str, "value": str, "scopes": [str], "agents": [str]}],
        "registration": {"refused_patterns": [str]},  # an extension
        "rate_limits": {"register_per_minute": int, "attach_per_minute": int, "enabled": bool,
                        "send_per_minute": int, "send_burst": int},
    },
    "storage": {
        "kind": str,
        "sqlite": {"path": str, "synchronous": str},  # synchronous: an extension
        "json": {"path": str},
        "postgres": {"dsn": str},
    },
    "rooms": [{"id": str, "name": str, "members": [str], "visibility": str, "write_policy": str,
               "loop_guard": {"max_agent_hops": int}}],  # loop_guard: an extension
    "pairings": [PAIRING_SCHEMA],
    "loop_guard": {"max_agent_hops": int},  # an extension
}


def find_config_file(cwd: Path | None = None, candidates: tuple[str, ...] = CONFIG_CANDIDATES, *,
                     inspect: str = "inspect Moltnet config") -> Path | None:
    """The first candidate that exists and is not a directory (Go's os.Stat rule).

    A stat error other than "does not exist" (a symlink loop, a permission problem) is reported
    as `<inspect> "<path>": <os error>` rather than skipped.
    """
    for name in candidates:
        path = Path(os.path.normpath(os.path.join(cwd, name))) if cwd is not None else Path(name)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(f'{inspect} {quoted(path)}: {path_error("stat", path, exc)}') from exc
        if not stat.S_ISDIR(info.st_mode):
            return path
    return None


def read_document(path: Path, label: str = "Moltnet config") -> dict:
    """Read and strictly decode a `Moltnet` file: JSON for a `.json` extension, else YAML."""
    return read_document_located(path, label)[0]


EMPTY_HINT = 'the file is empty; write at least "version: moltnet.v1", or delete it and run `moltnet init`'


def read_document_located(path: Path, label: str = "Moltnet config") -> tuple[dict, Marks]:
    """`read_document`, plus where each field is written (YAML only; empty for JSON)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f'read {label} {quoted(path)}: {path_error("open", path, exc)}') from exc
    marks: Marks = {}
    try:
        if _extension(path) == ".json":
            data = decode_json(content, SCHEMA)  # invalid UTF-8 inside strings becomes U+FFFD, as in Go
        else:
            data, marks = decode_yaml_located(content, SCHEMA)
    except EmptyDocumentError as exc:
        raise ConfigError(f'decode {label} {quoted(path)}: EOF ({EMPTY_HINT})') from exc
    except (yaml.YAMLError, ConfigError) as exc:
        raise ConfigError(f'decode {label} {quoted(path)}: {_one_line(exc)}') from exc
    return data or {}, marks


def _extension(path: Path) -> str:
    """Go's filepath.Ext, lower-cased: `.json` is also the extension of a file named `.json`."""
    name = path.name
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _strs(values: Any) -> list[str]:
    return [_s(v) for v in (values or [])]


def apply_document(cfg: ServerConfig, data: dict) -> None:
    """Merge a decoded file over the defaults (docs/protocol/config.md §3)."""
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
    if "trusted_proxies" in server:
        cfg.trusted_proxies = _strs(server["trusted_proxies"])
    cfg.allow_unauthenticated_all_interfaces = bool(server.get("allow_unauthenticated_all_interfaces") or False)
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
    for key in ("register_per_minute", "attach_per_minute", "send_per_minute", "send_burst"):
        if limits.get(key) is not None:
            setattr(cfg, key, int(limits[key]))
    if "refused_patterns" in (auth.get("registration") or {}):
        cfg.refused_agent_patterns = _strs(auth["registration"]["refused_patterns"])
    if (data.get("loop_guard") or {}).get("max_agent_hops") is not None:
        cfg.max_agent_hops = data["loop_guard"]["max_agent_hops"]
    storage = data.get("storage") or {}
    if _s(storage.get("kind")):
        cfg.storage_kind = _s(storage["kind"])
    if _s((storage.get("sqlite") or {}).get("path")):
        cfg.sqlite_path = _s(storage["sqlite"]["path"])
    if _s((storage.get("sqlite") or {}).get("synchronous")):
        cfg.sqlite_synchronous = _s(storage["sqlite"]["synchronous"]).strip().lower()
    if _s((storage.get("json") or {}).get("path")):
        cfg.json_path = _s(storage["json"]["path"])
    if _s((storage.get("postgres") or {}).get("dsn")):
        cfg.postgres_dsn = _s(storage["postgres"]["dsn"])
    if _s(server.get("data_path")) and not _s(storage.get("kind")).strip():  # legacy: JSON storage at data_path
        cfg.storage_kind, cfg.json_path = "json", _s(server["data_path"])
    if "rooms" in data:
        cfg.rooms = [
            RoomConfig(_s(r.get("id")), _s(r.get("name")), _strs(r.get("members")),
                       _s(r.get("visibility")), _s(r.get("write_policy")),
                       (r.get("loop_guard") or {}).get("max_agent_hops"))
            for r in data.get("rooms") or []
        ]
    if "pairings" in data:
        cfg.pairings = [_pairing(p) for p in data.get("pairings") or []]


def _pairing(p: dict) -> PairingConfig:
    return PairingConfig(
        _s(p.get("id")), _s(p.get("remote_network_id")), _s(p.get("remote_network_name")),
        _s(p.get("remote_base_url")), _s(p.get("token")), _s(p.get("status")), p.get("diagnostics"),
    )


