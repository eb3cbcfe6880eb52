"""Live servers shared by a module's attachment tests (starting one takes a few seconds)."""

from __future__ import annotations

import textwrap

import pytest

from tests.support.live import REPO, LiveServer

NONE_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
server: {debug_events: true}
auth: {mode: none}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public, members: [vega, orion, luna]}
  - {id: vault, name: Vault, visibility: private}
"""

OPEN_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
server: {debug_events: true}
auth:
  mode: open
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, observe, write, attach]}
    - {id: watcher, value: watch-secret, scopes: [observe]}
    - {id: writer, value: write-secret, scopes: [write]}
    - {id: pinned, value: pinned-secret, scopes: [attach, write], agents: [pinned]}
  rate_limits: {attach_per_minute: 1000, register_per_minute: 1000}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public, write_policy: registered_agents}
  - {id: vault, name: Vault, visibility: private, members: [luna]}
"""

BEARER_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
server: {debug_events: true}
auth:
  mode: bearer
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, observe, write, attach]}
    - {id: watcher, value: watch-secret, scopes: [observe]}
    - {id: attacher, value: attach-secret, scopes: [attach]}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
"""

# Accepted by config validation: no auth is performed, yet `public_read` changes what attachments
# receive (05 §11.2 edge case), while the SSE stream stays full (06 §6.1).
PUBLIC_NONE_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
auth: {mode: none, public_read: true}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
  - {id: vault, name: Vault, visibility: private}
"""

# The server processes import the repository's packages directly (independent of how the
# editable install was last built).
LIVE_ENV = {"PYTHONPATH": str(REPO)}


def start_live(tmp_path_factory, config: str, name: str, env: dict | None = None) -> LiveServer:
    workdir = tmp_path_factory.mktemp(name)
    return LiveServer(workdir, textwrap.dedent(config), {**LIVE_ENV, **(env or {})}).start()


@pytest.fixture(scope="module")
def none_server(tmp_path_factory):
    server = start_live(tmp_path_factory, NONE_CONFIG, "none")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    server = start_live(tmp_path_factory, OPEN_CONFIG, "open")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bearer_server(tmp_path_factory):
    server = start_live(tmp_path_factory, BEARER_CONFIG, "bearer")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def public_none_server(tmp_path_factory):
    server = start_live(tmp_path_factory, PUBLIC_NONE_CONFIG, "public-none")
    yield server
    server.stop()
