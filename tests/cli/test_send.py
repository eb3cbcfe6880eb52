"""`moltnet send` against a real server (docs/protocol/cli.md §5.1)."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run, write_config


@pytest.fixture
def workspace(tmp_path, bearer_server):
    write_config(tmp_path, [{
        "agent_name": "Scout", "auth": {"mode": "bearer", "token": "scout-secret"},
        "base_url": bearer_server.base_url, "member_id": "scout", "network_id": "works",
        "rooms": [{"id": "lobby"}, {"id": "board", "can_write": False},
                  {"id": "stage",
                   "access": {"can_read": True, "can_write": False, "reason": "public-read/members-write"}}],
    }])
    return tmp_path


def history(server, room: str) -> list[dict]:
    return server.client("admin-secret").get(f"/v1/rooms/{room}/messages").json()["messages"]


def test_send_posts_to_the_room_as_the_configured_agent(cli, workspace, bearer_server):
    result = cli(workspace, "send", "--target", "room:lobby", "--text", "  Build is green.  ")
    assert result.code == 0, result.err
    accepted = json.loads(result.out)
    assert list(accepted) == ["message_id", "event_id", "accepted", "thread_created", "dm_created"]
    assert accepted["accepted"] is True
    assert result.out.startswith('{\n  "message_id"') and result.out.endswith("}\n")
    [message] = [m for m in history(bearer_server, "lobby") if m["id"] == accepted["message_id"]]
    assert message["parts"] == [{"kind": "text", "text": "Build is green."}]
    assert message["from"]["id"] == "scout" and message["from"]["name"] == "Scout"


def test_send_runs_as_a_real_process_without_flags_beyond_target_and_text(workspace, bearer_server):
    result = run("send", "-target=room:lobby", "-text", "from a child process", cwd=workspace)
    assert result.code == 0, result.err
    assert any(m["parts"][0]["text"] == "from a child process" for m in history(bearer_server, "lobby"))


def test_unattached_room_is_refused_before_any_request(cli, workspace, bearer_server):
    before = len(history(bearer_server, "lobby"))
    result = cli(workspace, "send", "--target", "room:nowhere", "--text", "hi")
    assert result.code == 1
    assert result.error == 'room "nowhere" is not attached for member "scout"'
    assert len(history(bearer_server, "lobby")) == before


def test_read_only_room_binding_is_refused_with_the_reason(cli, workspace):
    assert cli(workspace, "send", "--target", "room:board", "--text", "x").error == \
        'room "board" is read-only for member "scout"'
    assert cli(workspace, "send", "--target", "room:stage", "--text", "x").error == \
        'room "stage" is read-only for member "scout": public-read/members-write'


def test_server_refusal_is_one_line_with_status_and_body(cli, tmp_path, bearer_server):
    # The config says the agent may write to "board", but the server's write policy says no.
    write_config(tmp_path, [{"auth": {"token": "scout-secret"}, "base_url": bearer_server.base_url,
                             "member_id": "scout", "network_id": "works", "rooms": [{"id": "board"}]}])
    result = cli(tmp_path, "send", "--target", "room:board", "--text", "x")
    assert result.code == 1
    assert "\n" not in result.err.strip()
    assert result.error.startswith(f"moltnet POST {bearer_server.base_url}/v1/messages returned 403 Forbidden: ")
    assert 'room \\"board\\" write policy forbids sender' in result.error


def test_expired_token_says_what_to_do(cli, tmp_path, bearer_server):
    write_config(tmp_path, [{"auth": {"mode": "bearer", "token": "revoked-token"}, "base_url": bearer_server.base_url,
                             "member_id": "scout", "network_id": "works", "rooms": [{"id": "lobby"}]}])
    result = cli(tmp_path, "send", "--target", "room:lobby", "--text", "x")
    assert result.code == 1
    assert "returned 401 Unauthorized" in result.error and "invalid token" in result.error
    assert "run `moltnet connect` again" in result.error


def test_missing_token_env_is_reported_before_sending(cli, tmp_path, bearer_server, monkeypatch):
    monkeypatch.delenv("SCOUT_TOKEN", raising=False)
    write_config(tmp_path, [{"auth": {"mode": "bearer", "token_env": "SCOUT_TOKEN"}, "base_url": bearer_server.base_url,
                             "member_id": "scout", "network_id": "works", "rooms": [{"id": "lobby"}]}])
    result = cli(tmp_path, "send", "--target", "room:lobby", "--text", "x")
    assert result.error == 'environment variable "SCOUT_TOKEN" is required for Moltnet bearer auth'
    monkeypatch.setenv("SCOUT_TOKEN", " scout-secret\n")
    assert cli(tmp_path, "send", "--target", "room:lobby", "--text", "x").code == 0


def test_unreachable_server_is_one_line_without_traceback(tmp_path):
    write_config(tmp_path, [{"base_url": "http://127.0.0.1:9", "member_id": "scout", "network_id": "works",
                             "rooms": [{"id": "lobby"}]}])
    result = run("send", "--target", "room:lobby", "--text", "x", cwd=tmp_path)
    assert result.code == 1
    assert "Traceback" not in result.err and result.err.count("\n") == 1
    assert "request Moltnet POST http://127.0.0.1:9/v1/messages: connection refused" in result.err


@pytest.mark.parametrize(("target", "error"), [
    ("lobby", "target must be room:<id> or dm:<id>"),
    ("room:", "target must be room:<id> or dm:<id>"),
    ("thread:t1", 'unsupported target kind "thread"'),
])
def test_bad_target_syntax(cli, workspace, target, error):
    assert cli(workspace, "send", "--target", target, "--text", "x").error == error


def test_blank_text_and_positional_words(cli, workspace):
    assert cli(workspace, "send", "--target", "room:lobby", "--text", "  ").error == "send requires --text"
    assert cli(workspace, "send", "--target", "room:lobby", "--text", "hello", "world").error == \
        "send does not accept positional arguments"


def test_dm_send_resolves_the_conversation_first(cli, tmp_path, bearer_server):
    admin = bearer_server.client("admin-secret")
    created = admin.post("/v1/messages", json={"target": {"kind": "dm", "dm_id": "dm_scout_ada",
                                                          "participant_ids": ["scout", "ada"]},
                                               "from": {"type": "agent", "id": "ada"},
                                               "parts": [{"kind": "text", "text": "ping"}]})
    assert created.status_code == 202, created.text
    write_config(tmp_path, [{"auth": {"token": "admin-secret"}, "base_url": bearer_server.base_url,
                             "member_id": "scout", "network_id": "works", "dms": {"enabled": True}}])
    result = cli(tmp_path, "send", "--target", "dm:dm_scout_ada", "--text", "pong")
    assert result.code == 0, result.err
    texts = [m["parts"][0]["text"] for m in admin.get("/v1/dms/dm_scout_ada/messages").json()["messages"]]
    assert texts == ["ping", "pong"]
    assert cli(tmp_path, "send", "--target", "dm:dm_missing", "--text", "x").error.startswith(
        f"moltnet GET {bearer_server.base_url}/v1/dms/dm_missing returned 404 Not Found")


def test_dms_disabled_in_the_config(cli, workspace):
    assert cli(workspace, "send", "--target", "dm:x", "--text", "x").error == \
        'direct messages are not enabled for member "scout"'


def test_access_without_can_write_is_read_only(cli, tmp_path, bearer_server):
    # `access.can_write` is a plain bool in the file format: an access object without it means false.
    write_config(tmp_path, [{"auth": {"token": "scout-secret"}, "base_url": bearer_server.base_url,
                             "member_id": "scout", "network_id": "works",
                             "rooms": [{"id": "lobby", "access": {"can_read": True}}]}])
    before = len(history(bearer_server, "lobby"))
    result = cli(tmp_path, "send", "--target", "room:lobby", "--text", "should not be sent")
    assert result.code == 1
    assert result.error == 'room "lobby" is read-only for member "scout"'
    assert len(history(bearer_server, "lobby")) == before
