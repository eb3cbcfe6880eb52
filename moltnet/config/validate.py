"""File-level validation with the spec's exact messages, and the private-file rule (docs/protocol/config.md §2, §5)."""

from __future__ import annotations

import stat
from pathlib import Path

from moltnet.config.decode import _s, apply_document
from moltnet.config.model import (
    SCOPES,
    SQLITE_SYNCHRONOUS_LEVELS,
    VISIBILITIES,
    WRITE_POLICIES,
    ConfigError,
    PairingConfig,
    ServerConfig,
    quoted,
)
from moltnet.config.proxies import parse_trusted
from moltnet.gocompat import UrlError, parse_url
from moltnet.gocompat.errors import path_error

ANALYTICS = "server.console.analytics"


def validate_document(data: dict) -> None:
    """File-level validation in the spec's order: version, storage, auth, analytics, pairings, rooms."""
    version = _s(data.get("version")).strip()
    if version and version != "moltnet.v1":
        raise ConfigError(f'unsupported version {quoted(version)}', field="version")
    _validate_storage(data.get("storage") or {})
    cfg = ServerConfig()
    apply_document(cfg, data)
    validate_auth(cfg)
    validate_extensions(cfg)
    validate_limits(cfg)
    validate_analytics(cfg)
    for index, pairing in enumerate(cfg.pairings):
        validate_pairing(index, pairing)
    for index, room in enumerate(cfg.rooms):
        if room.visibility not in VISIBILITIES:
            raise ConfigError(f'rooms[{index}].visibility: unsupported room visibility {quoted(room.visibility)}',
                              field=f"rooms[{index}].visibility")
        if room.write_policy not in WRITE_POLICIES:
            raise ConfigError(f'rooms[{index}].write_policy: unsupported room write_policy {quoted(room.write_policy)}',
                              field=f"rooms[{index}].write_policy")


def _validate_storage(storage: dict) -> None:
    """The file's own storage block; the kind and the required path/DSN are compared trimmed, as in Go."""
    kind = _s(storage.get("kind"))

    def given(section: str, key: str) -> bool:
        return bool(_s((storage.get(section) or {}).get(key)).strip())

    match kind.strip():
        case "" | "memory":
            pass
        case "json" if not given("json", "path"):
            raise ConfigError("storage.json.path is required for json storage", field="storage.kind")
        case "sqlite" if not given("sqlite", "path"):
            raise ConfigError("storage.sqlite.path is required for sqlite storage", field="storage.kind")
        case "postgres" if not given("postgres", "dsn"):
            raise ConfigError("storage.postgres.dsn is required for postgres storage", field="storage.kind")
        case "json" | "sqlite" | "postgres":
            pass
        case _:
            raise ConfigError(f'unsupported storage kind {quoted(kind)}', field="storage.kind")
    validate_sqlite_synchronous(_s((storage.get("sqlite") or {}).get("synchronous")).strip().lower() or "full")


def validate_sqlite_synchronous(level: str) -> None:
    """Our extension `storage.sqlite.synchronous`: FULL (Go's durability, the default) or NORMAL."""
    if level not in SQLITE_SYNCHRONOUS_LEVELS:
        raise ConfigError(f'unsupported storage.sqlite.synchronous {quoted(level)}; '
                          'use "full" (the default) or "normal"', field="storage.sqlite.synchronous")


def validate_auth(cfg: ServerConfig) -> None:
    if cfg.auth_mode not in ("none", "bearer", "open"):
        raise ConfigError(f'unsupported auth mode {quoted(cfg.auth_mode)}', field="auth.mode")
    if cfg.auth_mode == "open":
        cfg.public_read, cfg.agent_registration = True, "open"
    elif cfg.agent_registration not in ("disabled", "token", "open"):
        raise ConfigError(f'unsupported auth.agent_registration {quoted(cfg.agent_registration)}',
                          field="auth.agent_registration")
    if cfg.auth_mode == "none":
        return
    if cfg.auth_mode == "bearer" and not cfg.tokens:
        raise ConfigError("bearer auth requires at least one token", field="auth.mode")
    for index, token in enumerate(cfg.tokens):
        if not token.value.strip():
            raise ConfigError(f"auth.tokens[{index}].value is required", field=f"auth.tokens[{index}]")
        if not token.scopes:
            raise ConfigError(f"auth.tokens[{index}].scopes is required", field=f"auth.tokens[{index}]")
        for scope in token.scopes:
            if scope.strip() not in SCOPES:
                raise ConfigError(f'auth.tokens[{index}].scope {quoted(scope.strip())} is unsupported',
                                  field=f"auth.tokens[{index}].scopes")


# The largest loop-guard hop budget: beyond it the guard guards nothing and is surely a typo.
MAX_HOP_BUDGET = 10_000


def hop_budget_error(value: object, where: str) -> str:
    """Why `value` is not a hop budget ("" when it is): a whole number from 0 (off) to MAX_HOP_BUDGET."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOP_BUDGET:
        return f"{where}: {value!r} is out of range; write a whole number from 0 (off) to {MAX_HOP_BUDGET}"
    return ""


def validate_extensions(cfg: ServerConfig) -> None:
    """Our additive keys: the loop guard's budgets and the refused agent-id patterns."""
    import re

    if err := hop_budget_error(cfg.max_agent_hops, "loop_guard.max_agent_hops"):
        raise ConfigError(err, field="loop_guard.max_agent_hops")
    for index, room in enumerate(cfg.rooms):
        where = f"rooms[{index}].loop_guard.max_agent_hops"
        if room.max_agent_hops is not None and (err := hop_budget_error(room.max_agent_hops, where)):
            raise ConfigError(err, field=where)
    for index, pattern in enumerate(cfg.refused_agent_patterns):
        where = f"auth.registration.refused_patterns[{index}]"
        if not pattern.strip():
            raise ConfigError(f"{where} is empty (it would refuse every agent id)", field=where)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where} {quoted(pattern)} is not a valid regular expression: {exc}",
                              field=where) from None


# The highest rate a limit may name: above it a limit limits nothing and is surely a typo.
LIMIT_CEILINGS = {"register_per_minute": 100_000, "attach_per_minute": 100_000, "send_per_minute": 100_000,
                  "send_burst": 10_000}


def validate_limits(cfg: ServerConfig) -> None:
    """Our extensions `auth.rate_limits.*` (0 turns a per-minute limit off) and `server.trusted_proxies`."""
    for key, ceiling in LIMIT_CEILINGS.items():
        value, low = getattr(cfg, key), 1 if key == "send_burst" else 0
        if not low <= value <= ceiling:
            off = "" if low else " (0 turns it off)"
            raise ConfigError(f"auth.rate_limits.{key}: {value} is out of range; write a number from {low} to "
                              f"{ceiling}{off}", field=f"auth.rate_limits.{key}")
    parse_trusted(cfg.trusted_proxies)


def validate_analytics(cfg: ServerConfig) -> None:
    provider, mid = cfg.analytics_provider, cfg.analytics_measurement_id
    if not provider and not mid:
        return
    if not provider:
        raise ConfigError("server.console.analytics.provider is required", field=ANALYTICS)
    if provider != "google":
        raise ConfigError(f'unsupported server.console.analytics.provider {quoted(provider)}',
                          field=f"{ANALYTICS}.provider")
    if not mid:
        raise ConfigError("server.console.analytics.measurement_id is required", field=ANALYTICS)
    if not mid.startswith("G-"):
        raise ConfigError("server.console.analytics.measurement_id must be a Google Analytics measurement ID",
                          field=f"{ANALYTICS}.measurement_id")


def validate_pairing(index: int, pairing: PairingConfig) -> None:
    if not pairing.id.strip():
        raise ConfigError(f"pairings[{index}].id is required", field=f"pairings[{index}]")
    url, url_field = pairing.remote_base_url.strip(), f"pairings[{index}].remote_base_url"
    if not url:
        raise ConfigError(f"pairings[{index}].remote_base_url is required", field=f"pairings[{index}]")
    try:
        parsed = parse_url(url)
    except UrlError as exc:
        raise ConfigError(f"pairings[{index}].remote_base_url is invalid: {exc}", field=url_field) from exc
    if parsed.scheme not in ("http", "https"):
        raise ConfigError(f'pairings[{index}].remote_base_url scheme {quoted(parsed.scheme)} is unsupported',
                          field=url_field)
    if not parsed.host.strip():
        raise ConfigError(f"pairings[{index}].remote_base_url host is required", field=url_field)


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
    try:
        info = path.lstat()
    except OSError as exc:
        raise ConfigError(f'stat Moltnet config {quoted(path)}: {path_error("lstat", path, exc)}') from exc
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f'moltnet config {quoted(path)} must not be a symlink when secrets are present')
    if info.st_mode & 0o077:
        raise ConfigError(f'moltnet config {quoted(path)} must not be group/world readable when tokens are present')


