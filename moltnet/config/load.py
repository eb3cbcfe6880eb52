"""Loading the effective config: file, validation, private-file rule, environment overrides (docs/protocol/config.md
§1–§5)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from moltnet.config.decode import PAIRING_SCHEMA, _pairing, apply_document, find_config_file, read_document_located
from moltnet.config.hints import Marks, located
from moltnet.config.model import ConfigError, ServerConfig, quoted
from moltnet.config.startable import check_declared, check_exposure, check_startable, environment_source
from moltnet.config.typed import from_json, parse_json
from moltnet.config.validate import (
    check_private_file,
    has_embedded_secrets,
    validate_analytics,
    validate_auth,
    validate_document,
)
from moltnet.gocompat.errors import path_error


def load_file(path: Path, *, label: str = "Moltnet config") -> ServerConfig:
    """Read, decode strictly, validate and apply the private-file rule; no env overrides."""
    return _load_located(path, label)[0]


def _load_located(path: Path, label: str) -> tuple[ServerConfig, Marks, bool]:
    """The file's config, where its fields are written, and whether it selects JSON by `server.data_path`."""
    data, marks = read_document_located(path, label)
    try:
        validate_document(data)
    except ConfigError as exc:
        raise ConfigError(f'validate {label} {quoted(path)}: {exc}{located(marks, exc.field)}') from exc
    if has_embedded_secrets(data):
        check_private_file(path)
    cfg = ServerConfig(path=str(path))
    apply_document(cfg, data)
    validate_auth(cfg)
    storage = data.get("storage") or {}
    legacy = bool(((data.get("server") or {}).get("data_path") or "").strip()) and not (storage.get("kind") or "")
    return cfg, marks, legacy


def load_checked(path: Path) -> ServerConfig:
    """What `moltnet validate` loads: the file as `load_file` reads it, then everything start-up refuses."""
    cfg, marks, legacy = _load_located(path, "Moltnet config")
    _check(cfg, path, marks, legacy, {}, declared=True)
    return cfg


def _check(cfg: ServerConfig, path: Path | None, marks: Marks, legacy: bool, environ: dict, *,
           declared: bool) -> None:
    try:
        check_startable(cfg, legacy_data_path=legacy)
        if declared:
            check_declared(cfg)
            check_exposure(cfg)
    except ConfigError as exc:
        source = environment_source(exc.field, environ)
        if source:
            raise ConfigError(f"{exc} (from the environment: {source})", field=exc.field) from None
        if path is None:
            raise
        raise ConfigError(f'validate Moltnet config {quoted(path)}: {exc}{located(marks, exc.field)}',
                          field=exc.field) from None


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
        cfg.pairings = _env_pairings(raw_pairings)
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
    if _env("MOLTNET_SQLITE_SYNCHRONOUS", environ):
        cfg.sqlite_synchronous = _env("MOLTNET_SQLITE_SYNCHRONOUS", environ).strip().lower()


def _env_pairings(raw: str) -> list:
    """MOLTNET_PAIRINGS_JSON: a JSON array of pairings, typed like the file's; unknown keys ignored."""
    try:
        items = from_json(parse_json(raw), [PAIRING_SCHEMA], "pairings", strict=False)
    except ConfigError as exc:
        raise ConfigError(f"MOLTNET_PAIRINGS_JSON must contain valid JSON: {exc}") from exc
    return [_pairing(item) for item in items or []]


def locate_config(environ: dict | None = None, cwd: Path | None = None) -> Path | None:
    environ = os.environ if environ is None else environ
    explicit = _env("MOLTNET_CONFIG", environ)
    if explicit:
        path = Path(explicit)
        try:
            info = path.stat()
        except OSError as exc:
            raise ConfigError(f'stat Moltnet config {quoted(explicit)}: {path_error("stat", explicit, exc)}') from exc
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f'moltnet config {quoted(explicit)} is a directory')
        return path
    return find_config_file(cwd)


def load_server_config(environ: dict | None = None, cwd: Path | None = None, *,
                       declared: bool = False) -> ServerConfig:
    """Load the effective config as `moltnet start` does (docs/protocol/config.md §1–§4).

    With `declared`, also check the declared rooms and token agents as start-up's apply will (spec
    04 §6), so that `moltnet start` refuses them with the file and line before touching storage.
    """
    environ = dict(os.environ if environ is None else environ)
    path = locate_config(environ, cwd)
    cfg, marks, legacy = _load_located(path, "Moltnet config") if path else (ServerConfig(), {}, False)
    apply_environment(cfg, environ)
    _check(cfg, path, marks, legacy and not _env("MOLTNET_STORAGE_KIND", environ), environ, declared=declared)
    return cfg


def resolve_relative(cfg: ServerConfig) -> None:
    """Storage paths are relative to the working directory, as in Go."""
    if cfg.sqlite_path:
        cfg.sqlite_path = str(Path(cfg.sqlite_path))
