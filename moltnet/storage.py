"""Database and channel-layer settings for the configured storage kind (docs/protocol/config.md §7)."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

from moltnet.config import ServerConfig


def sqlite_pragmas(synchronous: str = "full") -> str:
    """WAL with Go's durability by default: synchronous=FULL syncs the WAL at every commit.

    temp_store=MEMORY keeps statement journals in memory: each job of a group commit runs in a
    savepoint, whose journal outgrew SQLite's in-memory spill size and went to a temp file created
    and unlinked per batch (~70 µs of a send's CPU, profiled under load). Temp data is never
    durable, so nothing is lost by it.
    """
    return ("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; "
            f"PRAGMA synchronous={synchronous.upper()}; PRAGMA temp_store=MEMORY;")


def database_settings(cfg: ServerConfig) -> dict:
    if cfg.storage_kind == "postgres":
        return postgres_settings(cfg.postgres_dsn)
    if cfg.storage_kind == "memory":
        path = memory_database_path()
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path,
                "OPTIONS": {"init_command": sqlite_pragmas("off"), "transaction_mode": "IMMEDIATE", "timeout": 5},
                "TEST": {"NAME": path}}
    path = Path(cfg.sqlite_path)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # IMMEDIATE: a writer takes the lock when its transaction starts, so concurrent senders
        # queue on the busy timeout instead of failing with "database is locked" on upgrade.
        "OPTIONS": {"init_command": sqlite_pragmas(cfg.sqlite_synchronous), "transaction_mode": "IMMEDIATE",
                    "timeout": 5},
        "TEST": {"NAME": os.environ.get("MOLTNET_TEST_SQLITE_NAME") or None},
    }


@functools.cache
def memory_database_path() -> str:
    """Storage kind `memory`: a private SQLite file in RAM (/dev/shm where there is one), removed at exit.

    Not SQLite's shared-cache in-memory database: that locks whole tables, and a table lock is not
    retried by the busy timeout, so a send could fail with "database table is locked" while the
    event hub read the log. A WAL file in RAM has the same concurrency as the default storage.
    """
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    directory = tempfile.mkdtemp(prefix="moltnet-memory-", dir=base)
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return os.path.join(directory, "moltnet.db")


def postgres_settings(dsn: str) -> dict:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn)
    options = {k: v for k, v in params.items() if k not in ("dbname", "user", "password", "host", "port")}
    options.setdefault("connect_timeout", 5)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": params.get("dbname", ""),
        "USER": params.get("user", ""),
        "PASSWORD": params.get("password", ""),
        "HOST": params.get("host", ""),
        "PORT": str(params.get("port", "")),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def channel_layers(cfg: ServerConfig) -> dict:
    if cfg.redis_url:
        return {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                            "CONFIG": {"hosts": [cfg.redis_url]}}}
    return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def prepare_sqlite_directory(cfg: ServerConfig) -> None:
    """Create the SQLite file's directory with mode 0700 (docs/protocol/config.md §7.2)."""
    if cfg.storage_kind != "sqlite":
        return
    parent = Path(cfg.sqlite_path).parent
    parent.mkdir(parents=True, exist_ok=True)
    if str(parent) not in ("", "."):
        os.chmod(parent, 0o700)
