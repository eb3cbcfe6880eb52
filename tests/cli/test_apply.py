"""`moltnet apply [path]` against a real server (docs/protocol/cli.md §8.5): declared rooms and bindings, no token
values sent."""

from __future__ import annotations

import json
import os

import pytest

from moltnet.cli.operator import build_apply_request
from tests.support.live import REPO, LiveServer

SERVER = """\
version: moltnet.v1
network: {id: studio, name: Studio}
auth:
  mode: bearer
  tokens:
    - {id: admin, value: admin-secret, scopes: [admin, observe]}
    - {id: watcher, value: watcher-secret, scopes: [observe]}
rooms:
  - {id: lobby, members: [ada]}
"""

DECLARED = """\
version: moltnet.v1
network: {id: studio, name: Studio}
auth:
  mode: bearer
  tokens:
    - {id: admin, value: admin-secret, scopes: [admin, observe]}
    - {id: attach-scout, value: scout-secret, scopes: [attach], agents: [scout]}
    - {value: dev-secret, scopes: [attach], agents: [helper]}
rooms:
  - {id: lobby, name: Lobby, members: [ada, scout]}
  - {id: stage, name: Stage, members: [scout], visibility: public, write_policy: members}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("apply"), SERVER, {"PYTHONPATH": str(REPO)}).start()
    yield live
    live.stop()


def moltnet_file(directory, text: str = DECLARED, mode: int = 0o600, name: str = "Moltnet"):
    path = directory / name
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_request_body_carries_keys_never_token_values(tmp_path):
    body = build_apply_request(moltnet_file(tmp_path))
    assert body["network_id"] == "studio"
    assert body["agents"] == [{"id": "scout", "credential_key": "token:attach-scout"},
                              {"id": "helper", "credential_key": "token:tok_298754db2dbab6ec"}]
    assert [r["id"] for r in body["rooms"]] == ["lobby", "stage"]
    text = json.dumps(body)
    assert "scout-secret" not in text and "dev-secret" not in text and "admin-secret" not in text


@pytest.mark.live  # starts a real server
def test_apply_reconciles_the_running_server(cli, tmp_path, server, monkeypatch):
    monkeypatch.setenv("ADMIN_TOKEN", "admin-secret")
    path = moltnet_file(tmp_path)
    result = cli(tmp_path, "apply", "--base-url", server.base_url, str(path), "--token-env", "ADMIN_TOKEN")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert list(printed) == ["applied", "rooms", "agents"] and printed["applied"] is True
    assert [r["id"] for r in printed["rooms"]] == ["lobby", "stage"]
    assert [a["agent_id"] for a in printed["agents"]] == ["scout", "helper"]
    admin = server.client("admin-secret")
    assert admin.get("/v1/rooms/lobby").json()["members"] == ["ada", "scout"]
    assert admin.get("/v1/rooms/stage").json()["visibility"] == "public"
    # Idempotent: a second run changes nothing and succeeds.
    again = cli(tmp_path, "apply", f"--base-url={server.base_url}", "--token-env", "ADMIN_TOKEN", str(path))
    assert again.code == 0 and json.loads(again.out)["rooms"] == printed["rooms"]


@pytest.mark.live  # starts a real server
def test_apply_discovers_the_moltnet_file_in_the_working_directory(cli, tmp_path, server, monkeypatch):
    monkeypatch.setenv("ADMIN_TOKEN", "admin-secret")
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    moltnet_file(tmp_path, DECLARED.replace("Lobby", "Main Lobby"))
    result = cli(tmp_path, "apply", "--base-url", server.base_url, "--token-env", "ADMIN_TOKEN")
    assert result.code == 0, result.err
    assert server.client("admin-secret").get("/v1/rooms/lobby").json()["name"] == "Main Lobby"


@pytest.mark.live  # starts a real server
def test_non_admin_tokens_are_refused(cli, tmp_path, server):
    path = moltnet_file(tmp_path)
    result = cli(tmp_path, "apply", str(path), "--base-url", server.base_url, "--token", "watcher-secret")
    assert result.code == 1
    assert result.error.startswith(f"moltnet POST {server.base_url}/v1/apply returned 403 Forbidden: ")


def test_argument_errors(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    assert cli(tmp_path, "apply", "a", "b").error == "apply accepts at most one config path"
    assert cli(tmp_path, "apply", "--token-env").error == "flag --token-env requires a value"
    assert cli(tmp_path, "apply", "--base-url", "http://127.0.0.1:9").error == "moltnet config not found"


def test_conflicting_declarations_are_refused_before_any_request(cli, tmp_path):
    text = DECLARED.replace("agents: [helper]", "agents: [scout]")
    path = moltnet_file(tmp_path, text)
    result = cli(tmp_path, "apply", str(path), "--base-url", "http://127.0.0.1:9")
    assert result.error == f'build apply request from "{path}": agent "scout" is declared by multiple auth tokens'


def test_readable_files_with_tokens_are_refused(cli, tmp_path):
    path = moltnet_file(tmp_path, mode=0o644)
    result = cli(tmp_path, "apply", str(path), "--base-url", "http://127.0.0.1:9")
    assert result.code == 1 and "must not be group/world readable when tokens are present" in result.error
