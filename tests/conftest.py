"""Shared fixtures: configs swapped per test, a JSON API client, live servers, Postgres, Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from moltnet.config import ServerConfig, apply_document, validate_auth
from tests.support.api import ApiClient
from tests.support.live import LiveServer


@pytest.fixture
def configure(settings) -> Callable[..., ServerConfig]:
    """Swap the effective server config for one test: `configure({"auth": {...}, "server": {...}})`."""

    def apply(document: dict | None = None, *, declared: bool = False) -> ServerConfig:
        cfg = ServerConfig()
        apply_document(cfg, document or {})
        validate_auth(cfg)
        settings.MOLTNET = cfg
        if declared:
            from moltnet.startup import apply_declared_state

            apply_declared_state(cfg)
        return cfg

    apply()
    return apply


@pytest.fixture
def api(db, configure) -> ApiClient:
    return ApiClient()


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start real `moltnet start` processes; all are stopped at teardown."""
    started: list[LiveServer] = []

    def start(config_text: str | None = None, *, name: str = "server", env: dict | None = None,
              port: int | None = None) -> LiveServer:
        server = LiveServer(tmp_path / name, config_text, env, port).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def pg_cluster():
    from tests.support.pgcluster import cluster

    return cluster()


@pytest.fixture(scope="session")
def redis_server():
    from tests.support.redisserver import RedisServer

    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def runtime_connections(django_db_setup, django_db_blocker):
    """In-process attach/SSE tests leave threads (attach.db's ORM pool, asgiref's sync thread) holding
    connections to the test database; end those sessions before it is dropped (Postgres refuses to drop
    a database in use, and the run would end with a warning)."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                       " WHERE datname = current_database() AND pid <> pg_backend_pid()")
