"""Shared fixtures: configs swapped per test, a JSON API client, live servers, Postgres, Redis."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from moltnet.config import ServerConfig, apply_document, validate_auth
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


class ApiClient:
    """Django's test client speaking JSON, with an optional bearer token."""

    def __init__(self, token: str | None = None, **extra: str) -> None:
        self.client = Client()
        self.headers = dict(extra)
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def with_token(self, token: str | None) -> ApiClient:
        return ApiClient(token)

    def request(self, method: str, path: str, body=None, raw: bytes | str | None = None, **headers):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        call = getattr(self.client, method.lower())
        kwargs = {"headers": {**self.headers, **headers}}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return call(path, **kwargs)

    def get(self, path: str, **headers):
        return self.request("GET", path, **headers)

    def post(self, path: str, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw):
        return self.request("DELETE", path, **kw)


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
