"""`moltnet admin …` against a real bearer-mode server (docs/protocol/cli.md §8.6, plus rotate-token)."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run, write_config
from tests.support.live import REPO, LiveServer

NETWORK = """\
version: moltnet.v1
network: {id: works, name: Works}
auth:
  mode: bearer
  agent_registration: token
  tokens:
    - {id: admin, value: admin-secret, scopes: [admin, observe, write]}
    - {id: watcher, value: watcher-secret, scopes: [observe]}
    - {id: scout, value: scout-secret, scopes: [attach, write], agents: [scout]}
rooms:
  - {id: lobby, members: [scout, ada]}
  - {id: board, members: [ada]}
  - {id: attic, members: []}
"""
ENV = {"ADMIN_TOKEN": "admin-secret"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("admin"), NETWORK, {"PYTHONPATH": str(REPO)}).start()
    yield live
    live.stop()


@pytest.fixture
def admin(cli, tmp_path, server, monkeypatch):
    """Run `moltnet admin <args…> --base-url <server> --token-env ADMIN_TOKEN` in-process."""
    monkeypatch.setenv("ADMIN_TOKEN", "admin-secret")

    def call(*args: str, token_env: str = "ADMIN_TOKEN"):
        return cli(tmp_path, "admin", *args, "--base-url", server.base_url, "--token-env", token_env)

    return call


def room(server, room_id: str) -> dict:
    return server.client("admin-secret").get(f"/v1/rooms/{room_id}").json()


@pytest.mark.live  # starts a real server
def test_members_add_and_remove(admin, server):
    added = admin("room", "members", "add", "--room", "board", "--member", "alpha, beta", "--member", "gamma")
    assert added.code == 0, added.err
    body = json.loads(added.out)
    assert body["members"] == ["ada", "alpha", "beta", "gamma"]
    assert list(body) == ["id", "network_id", "fqid", "name", "members", "visibility", "write_policy", "created_at"]
    removed = admin("room", "members", "remove", "--room", "board", "--member", "alpha,gamma")
    assert json.loads(removed.out)["members"] == ["ada", "beta"]
    assert room(server, "board")["members"] == ["ada", "beta"]


@pytest.mark.live  # starts a real server
def test_agent_remove_prints_the_remove_result(admin, server):
    result = admin("agent", "remove", "--agent", "ada")
    assert result.code == 0, result.err
    assert result.out == '{\n  "removed": true,\n  "kind": "agent",\n  "id": "ada",\n  "mode": "soft"\n}\n'
    assert "ada" not in room(server, "lobby")["members"]


@pytest.mark.live  # starts a real server
def test_room_remove(admin, server):
    result = admin("room", "remove", "--room", "attic")
    assert json.loads(result.out) == {"removed": True, "kind": "room", "id": "attic", "mode": "soft"}
    assert server.client("admin-secret").get("/v1/rooms/attic").status_code == 404


@pytest.mark.live  # starts a real server
def test_rotate_token_shows_the_new_token_once(admin, server):
    scout = server.client("scout-secret")
    assert scout.post("/v1/agents/register", json={"requested_agent_id": "scout"}).status_code in (200, 201)
    result = admin("agent", "rotate-token", "--agent", "scout")
    assert result.code == 0, result.err
    token = json.loads(result.out)["agent_token"]
    assert token.startswith("magt_v1_")
    # The static token lost ownership; the new agent token has it.
    assert scout.post("/v1/agents/register", json={"requested_agent_id": "scout"}).status_code == 409
    rotated = server.client(token).post("/v1/agents/register", json={"requested_agent_id": "scout"})
    assert rotated.status_code == 200


@pytest.mark.live  # starts a real server
def test_server_errors_are_reported_with_the_status_line(admin, server):
    result = admin("agent", "remove", "--agent", "nobody")
    assert result.code == 1
    assert result.error.startswith(f"moltnet DELETE {server.base_url}/v1/agents/nobody returned 404 Not Found: "
                                   '{"error":"unknown agent \\"nobody\\""')


@pytest.mark.live  # starts a real server
def test_a_non_admin_token_is_refused(cli, tmp_path, server, monkeypatch):
    monkeypatch.setenv("WATCHER", "watcher-secret")
    result = cli(tmp_path, "admin", "room", "remove", "--room", "lobby", "--base-url", server.base_url,
                 "--token-env", "WATCHER")
    assert result.code == 1 and "returned 403 Forbidden" in result.error
    assert room(server, "lobby")["id"] == "lobby"


@pytest.mark.parametrize("args,error", [
    (("agent", "remove"), "admin agent remove requires --agent"),
    (("agent", "rotate-token"), "admin agent rotate-token requires --agent"),
    (("room", "remove"), "admin room remove requires --room"),
    (("room", "members", "add", "--room", "board"), "admin room members add requires --member"),
    (("room", "members", "remove", "--member", "x"), "admin room members remove requires --room"),
    (("agent", "remove", "--agent", "x", "extra"), "admin agent remove does not accept positional arguments"),
])
def test_usage_errors(cli, tmp_path, args, error):
    result = cli(tmp_path, "admin", *args, "--base-url", "http://127.0.0.1:9")
    assert result.code == 1 and result.error == error


@pytest.mark.parametrize("words,error", [
    (("nope",), 'unknown admin command "nope"'),
    (("agent", "nope"), 'unknown admin agent command "nope"'),
    (("room", "nope"), 'unknown admin room command "nope"'),
    (("room", "members", "nope"), 'unknown admin room members command "nope"'),
])
def test_unknown_words_show_the_usage(cli, tmp_path, words, error):
    result = cli(tmp_path, "admin", *words)
    assert result.code == 1 and result.error.startswith(error + "\n\nUsage:")


@pytest.mark.parametrize("words", [(), ("help",), ("agent",), ("agent", "help"), ("room",), ("room", "help"),
                                   ("room", "members"), ("room", "members", "help")])
def test_help_words_print_the_usage(cli, tmp_path, words):
    result = cli(tmp_path, "admin", *words)
    assert result.code == 0
    assert "moltnet admin room members add --room <id> --member <id>" in result.out


def test_missing_token_env_and_missing_base_url(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("UNSET_TOKEN", raising=False)
    result = cli(tmp_path, "admin", "agent", "remove", "--agent", "x", "--base-url", "http://127.0.0.1:9",
                 "--token-env", "UNSET_TOKEN")
    assert result.error == 'environment variable "UNSET_TOKEN" is required for Moltnet bearer auth'
    result = cli(tmp_path, "admin", "agent", "remove", "--agent", "x")
    assert result.error == "admin command requires --base-url or --config"


@pytest.mark.live  # starts a real server
def test_credentials_from_a_client_config(cli, tmp_path, server):
    write_config(tmp_path, [{"auth": {"mode": "bearer", "token": "admin-secret"}, "base_url": server.base_url,
                             "member_id": "operator", "network_id": "works"}])
    result = cli(tmp_path, "admin", "room", "members", "add", "--room", "lobby", "--member", "delta")
    assert result.code == 0, result.err
    assert "delta" in json.loads(result.out)["members"]


@pytest.mark.live  # starts a real server
def test_as_a_real_process(tmp_path, server):
    result = run("admin", "room", "members", "add", "--room", "lobby", "--member", "omega",
                 "--base-url", server.base_url, "--token-env", "ADMIN_TOKEN", cwd=tmp_path, env=ENV)
    assert result.code == 0, result.err
    assert "omega" in json.loads(result.out)["members"]


def test_an_explicit_config_must_exist(cli, tmp_path):
    missing = tmp_path / "missing.json"
    result = cli(tmp_path, "admin", "agent", "remove", "--agent", "x", "--config", str(missing))
    assert result.code == 1
    assert result.error == f"stat {missing}: no such file or directory"


@pytest.mark.live  # starts a real server
def test_config_auth_merges_like_connect(cli, tmp_path, server):
    write_config(tmp_path, [{"auth": {"mode": "bearer", "token": "admin-secret"}, "base_url": server.base_url,
                             "member_id": "operator", "network_id": "works"}])
    # An explicit --auth-mode none replaces the config's bearer auth, so no token is sent (connect step 7).
    refused = cli(tmp_path, "admin", "room", "members", "add", "--room", "lobby", "--member", "zeta",
                  "--auth-mode", "none")
    assert refused.code == 1
    assert refused.error.startswith(f"moltnet PATCH {server.base_url}/v1/rooms/lobby/members returned 401 ")
    assert "zeta" not in room(server, "lobby")["members"]
    # Without --auth-mode the config's auth is kept as it is.
    kept = cli(tmp_path, "admin", "room", "members", "add", "--room", "lobby", "--member", "zeta")
    assert kept.code == 0, kept.err


def test_unreadable_token_file_is_one_line_without_traceback(tmp_path):
    token = tmp_path / "admin.token"
    token.write_bytes(b"\xff\xfe\x00binary")
    token.chmod(0o600)
    result = run("admin", "agent", "remove", "--agent", "x", "--base-url", "http://127.0.0.1:9",
                 "--token-path", str(token), cwd=tmp_path)
    assert result.code == 1
    assert "Traceback" not in result.err and result.err.count("\n") == 1
