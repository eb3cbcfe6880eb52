"""What `moltnet start` says when it listens and when it stops, in the one log format.

    time=… level=INFO msg="moltnet listening" component=server url=http://127.0.0.1:8787 listen_addr=:8787
        network=local storage=sqlite:.moltnet/moltnet.db auth=none console=http://127.0.0.1:8787/console/
    time=… level=INFO msg="moltnet stopped" component=server network=local
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

from moltnet import __version__
from moltnet.config import ServerConfig

log = logging.getLogger("moltnet.server")


def base_url(host: str, port: int) -> str:
    """The URL a person on this machine opens: all-interfaces binds are reached on 127.0.0.1."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def describe_storage(cfg: ServerConfig) -> str:
    """`sqlite:<path>`, `postgres:<dsn without its password>`, `memory` — never a secret."""
    if cfg.storage_kind == "sqlite":
        return f"sqlite:{cfg.sqlite_path}"
    if cfg.storage_kind == "postgres":
        dsn = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", cfg.postgres_dsn)
        dsn = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", dsn)
        return f"postgres:{dsn}"
    return cfg.storage_kind


def describe_auth(cfg: ServerConfig) -> str:
    tokens = f", {len(cfg.tokens)} token{'s' if len(cfg.tokens) != 1 else ''}" if cfg.tokens else ""
    if cfg.auth_mode == "none":
        return "none (no token needed for anything)"
    if cfg.auth_mode == "open":
        return f"open (public rooms readable, agents self-register{tokens})"
    read = "public rooms readable without a token" if cfg.public_read else "every call needs a token"
    return f"bearer ({read}{tokens})"


def started(cfg: ServerConfig, host: str, port: int) -> None:
    url = base_url(host, port)
    attrs: dict[str, Any] = {
        "url": url, "listen_addr": cfg.listen_addr, "network": cfg.network_id, "storage": describe_storage(cfg),
        "auth": describe_auth(cfg), "console": f"{url}/console/", "version": __version__,
    }
    log.info("moltnet listening", extra={"attrs": attrs})
    if cfg.auth_mode == "none" and not is_loopback(host):
        log.warning("auth mode none on a non-loopback address: anyone who can reach it can read and write "
                    "everything; listen on 127.0.0.1 or set auth.mode to bearer or open",
                    extra={"attrs": {"listen_addr": cfg.listen_addr}})


def stopped(cfg: ServerConfig) -> None:
    log.info("moltnet stopped", extra={"attrs": {"network": cfg.network_id}})


def announce_when_listening(server: Any, cfg: ServerConfig, host: str, port: int) -> None:
    """Log `started` once uvicorn has bound its socket (not before: a taken port is not "listening")."""
    startup = server.startup

    async def startup_then_announce(*args: Any, **kwargs: Any) -> None:
        await startup(*args, **kwargs)
        if getattr(server, "started", False) and not server.should_exit:
            started(cfg, host, port)

    server.startup = startup_then_announce
