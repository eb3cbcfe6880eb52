"""Database and channel-layer settings for the configured storage kind (spec 04 §7)."""

from __future__ import annotations

import os
from pathlib import Path

from moltnet.config import ServerConfig

MEMORY_DB_NAME = "file:moltnet-memory?mode=memory&cache=shared"


def sqlite_pragmas(synchronous: str = "full") -> str:
    """WAL with Go's durability by default: synchronous=FULL syncs the WAL at every commit."""
    return ("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; "
            f"PRAGMA synchronous={synchronous.upper()};")


def database_settings(cfg: ServerConfig) -> dict:
    if cfg.storage_kind == "postgres":
        return postgres_settings(cfg.postgres_dsn)
    if cfg.storage_kind == "memory":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": MEMORY_DB_NAME,
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 5}, "TEST": {"NAME": MEMORY_DB_NAME}}
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
    """Create the SQLite file's directory with mode 0700 (spec 04 §7.2)."""
    if cfg.storage_kind != "sqlite":
        return
    parent = Path(cfg.sqlite_path).parent
    parent.mkdir(parents=True, exist_ok=True)
    if str(parent) not in ("", "."):
        os.chmod(parent, 0o700)
