"""What `moltnet start` refuses beyond the file rules of docs/protocol/config.md §2, checked from the config alone.

`moltnet start` and `moltnet validate` both run `check_startable` and `check_declared`, so a file `validate` accepts is
one `start` accepts (apart from what only the running system can tell: a database that cannot be
reached, a port in use — `moltnet doctor` checks those). The texts are start-up's own (docs/protocol/config.md §6:
`rooms[0]: room id id must match …`); each error names the config path it is about.
"""

from __future__ import annotations

from moltnet.config.model import SQLITE_SYNCHRONOUS_LEVELS, ConfigError, ServerConfig, quoted
from moltnet.ids import default_token_id, member_id_error, trim
from moltnet.roomrules import room_declaration_error

STORAGE_KINDS = ("memory", "json", "sqlite", "postgres")
JSON_UNSUPPORTED = 'storage kind "json" is not supported by this server; use "sqlite" (the default) or "postgres"'

# Which environment variables can set the value behind a config path (docs/protocol/config.md §4).
ENVIRONMENT = {
    "server.listen_addr": ("MOLTNET_LISTEN_ADDR",),
    "storage.kind": ("MOLTNET_STORAGE_KIND", "MOLTNET_JSON_PATH", "MOLTNET_DATA_PATH", "MOLTNET_SQLITE_PATH",
                     "MOLTNET_POSTGRES_DSN"),
    "storage.sqlite.synchronous": ("MOLTNET_SQLITE_SYNCHRONOUS",),
}


def parse_listen_addr(addr: str) -> tuple[str, int]:
    """`host:port` (host optional: all interfaces) → (host, port)."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    if port.isdigit() and int(port) <= 65535:
        return host, int(port)
    raise ConfigError(f'invalid listen address {quoted(addr)}; write host:port, e.g. ":8787" or "127.0.0.1:8787"',
                      field="server.listen_addr")


def check_startable(cfg: ServerConfig, *, legacy_data_path: bool = False) -> None:
    """Storage this server runs and a listen address it can bind (what every load checks)."""
    if cfg.storage_kind not in STORAGE_KINDS:
        raise ConfigError(f'unsupported storage kind {quoted(cfg.storage_kind)}', field="storage.kind")
    if cfg.sqlite_synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        raise ConfigError(f'unsupported storage.sqlite.synchronous {quoted(cfg.sqlite_synchronous)}; '
                          'use "full" (the default) or "normal"', field="storage.sqlite.synchronous")
    if cfg.storage_kind == "json":
        raise ConfigError(JSON_UNSUPPORTED, field="server.data_path" if legacy_data_path else "storage.kind")
    parse_listen_addr(cfg.listen_addr)


ALL_INTERFACES = ("0.0.0.0", "::")  # parse_listen_addr reads an empty host (":8787") as 0.0.0.0


def check_exposure(cfg: ServerConfig) -> None:
    """Refuse auth mode none on every interface (anyone reaching the port would be an admin) unless
    the file opts in with `server.allow_unauthenticated_all_interfaces: true` (unlike Go, which serves it)."""
    if cfg.auth_mode != "none" or cfg.allow_unauthenticated_all_interfaces:
        return
    host, port = parse_listen_addr(cfg.listen_addr)
    if host in ALL_INTERFACES:
        raise ConfigError(f'listen address {quoted(cfg.listen_addr)} is every interface and auth.mode is "none", so '
                          f'anyone who reaches port {port} is an admin; listen on "127.0.0.1:{port}", set auth.mode '
                          'to bearer or open, or write "allow_unauthenticated_all_interfaces: true" under server: to '
                          'serve it anyway', field="server.listen_addr")


def check_declared(cfg: ServerConfig) -> None:
    """Token `agents` bindings and declared rooms, as start-up's apply checks them (docs/protocol/config.md §6)."""
    owners: dict[str, str] = {}
    for index, token in enumerate(cfg.tokens):
        token_id = trim(token.id) or default_token_id(token.value)
        for position, agent in enumerate(token.agents):
            agent, field = trim(agent), f"auth.tokens[{index}].agents[{position}]"
            if not agent:
                continue
            if err := member_id_error(agent):
                raise ConfigError(f"{field} {err}", field=field)
            if owners.get(agent, token_id) != token_id:
                raise ConfigError(f"agent {quoted(agent)} is declared by multiple auth tokens; list it under one "
                                  "token only", field=field)
            owners[agent] = token_id
    for index, room in enumerate(cfg.rooms):
        if err := room_declaration_error(room.id, room.members, room.visibility, room.write_policy):
            part = "id" if err.startswith("room id") else "members" if err.startswith("members") else ""
            raise ConfigError(f"rooms[{index}]: {err}", field=f"rooms[{index}].{part}" if part else f"rooms[{index}]")


def environment_source(field: str, environ: dict) -> str:
    """The environment variable that set the value behind `field`, if one did."""
    return next((name for name in ENVIRONMENT.get(field, ()) if (environ.get(name) or "").strip()), "")
