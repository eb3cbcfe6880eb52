"""Config constants, the default files of `moltnet init`, and the effective-config dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

from moltnet.gocompat import quote

CONFIG_CANDIDATES = ("Moltnet", "moltnet.yaml", "moltnet.yml", "moltnet.json")
NODE_CONFIG_CANDIDATES = ("MoltnetNode", "moltnet-node.yaml", "moltnet-node.yml", "moltnet-node.json")
SQLITE_SYNCHRONOUS_LEVELS = ("full", "normal")
SCOPES = ("observe", "write", "admin", "attach", "pair")
VISIBILITIES = ("", "private", "public")
WRITE_POLICIES = ("", "members", "registered_agents", "operators")

DEFAULT_SERVER_FILE = """version: moltnet.v1

network:
  id: local
  name: Local Moltnet

server:
  listen_addr: "127.0.0.1:8787"
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
    """A config problem; the message is shown to the operator as-is.

    `field` names the config path the problem is about (`rooms[0].id`), when there is one, so a
    loader can add where in the file it is written.
    """

    def __init__(self, message: str = "", *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class EmptyDocumentError(ConfigError):
    """A config file with no document at all (empty, or only comments): Go's `EOF`."""

    def __init__(self) -> None:
        super().__init__("EOF")


def quoted(value: object) -> str:
    """Go's %q, as the Go server quotes paths and values in its error texts."""
    return quote(str(value))


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
    max_agent_hops: int | None = None  # ours: rooms[].loop_guard.max_agent_hops (None: the network's)


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
    # Extensions: proxies whose X-Forwarded-For / Forwarded name the client (empty: trust none), and
    # the explicit opt-in to serve auth mode none on every interface.
    trusted_proxies: list[str] = field(default_factory=list)
    allow_unauthenticated_all_interfaces: bool = False
    analytics_provider: str = ""
    analytics_measurement_id: str = ""
    auth_mode: str = "none"
    public_read: bool = False
    agent_registration: str = "disabled"
    tokens: list[TokenConfig] = field(default_factory=list)
    rate_limits_enabled: bool | None = None
    register_per_minute: int = 10
    attach_per_minute: int = 30
    # Send limits (extension): a token bucket per sender refilled at send_per_minute, holding send_burst.
    send_per_minute: int = 60
    send_burst: int = 20
    storage_kind: str = "sqlite"
    sqlite_path: str = ".moltnet/moltnet.db"
    # SQLite's durability level: "full" (fsync at every commit, as Go) or "normal" (an explicit
    # opt-in that survives a process crash but may lose the last commits on power loss).
    sqlite_synchronous: str = "full"
    json_path: str = ""
    postgres_dsn: str = ""
    redis_url: str = ""
    event_retention: str = "168h"
    rooms: list[RoomConfig] = field(default_factory=list)
    pairings: list[PairingConfig] = field(default_factory=list)
    # Ours: the loop guard's hop budget (loop_guard.max_agent_hops; 0 turns it off) and the agent
    # ids refused at registration (auth.registration.refused_patterns, regular expressions).
    max_agent_hops: int = 20
    refused_agent_patterns: list[str] = field(default_factory=list)

    @property
    def rate_limits_active(self) -> bool:
        if self.rate_limits_enabled is None:
            return self.auth_mode == "open"
        return self.rate_limits_enabled


