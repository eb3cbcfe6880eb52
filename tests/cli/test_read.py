"""`moltnet read`, `participants` and `conversations` against a real server (docs/protocol/cli.md §5.2–§5.4)."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import write_config


@pytest.fixture(scope="module")
def seeded(bearer_server):
    admin = bearer_server.client("admin-secret")
    for text in ("one", "two", "@scout three"):
        body = {"target": {"kind": "room", "room_id": "lobby"}, "from": {"type": "agent", "id": "ada"},
                "parts": [{"kind": "text", "text": text}]}
        assert admin.post("/v1/messages", json=body).status_code == 202
    dm = {"target": {"kind": "dm", "dm_id": "dm_ada_scout", "participant_ids": ["ada", "scout"]},
          "from": {"type": "agent", "id": "ada"}, "parts": [{"kind": "text", "text": "psst"}]}
    assert admin.post("/v1/messages", json=dm).status_code == 202
    return bearer_server


@pytest.fixture
def workspace(tmp_path, seeded):
    write_config(tmp_path, [{"agent_name": "Scout", "auth": {"mode": "bearer", "token": "scout-secret"},
                             "base_url": seeded.base_url, "member_id": "scout", "network_id": "works",
                             "rooms": [{"id": "lobby", "wake": "mentions"}], "dms": {"enabled": True}}])
    return tmp_path


def test_read_prints_the_page_in_the_cli_shape(cli, workspace):
    result = cli(workspace, "read", "--target", "room:lobby", "--limit", "2")
    assert result.code == 0, result.err
    page = json.loads(result.out)
    assert [m["parts"][0]["text"] for m in page["messages"]] == ["two", "@scout three"]
    assert page["page"]["has_more"] is True and "next_before" in page["page"]
    message = page["messages"][1]
    assert list(message) == ["id", "network_id", "origin", "target", "from", "parts", "mentions", "created_at"]
    assert message["mentions"] == ["molt://works/agents/scout"]
    assert "mentions" not in page["messages"][0]


def test_read_without_limit_sends_none_and_dm_reads_dm_history(cli, workspace):
    everything = json.loads(cli(workspace, "read", "--target", "room:lobby", "--limit", "0").out)
    assert len(everything["messages"]) >= 3
    dm = json.loads(cli(workspace, "read", "--target", "dm:dm_ada_scout").out)
    assert [m["parts"][0]["text"] for m in dm["messages"]] == ["psst"]


def test_read_of_an_unknown_room_reports_the_server_404(cli, tmp_path, seeded):
    write_config(tmp_path, [{"auth": {"token": "scout-secret"}, "base_url": seeded.base_url, "member_id": "scout",
                             "network_id": "works", "rooms": [{"id": "ghost"}]}])
    result = cli(tmp_path, "read", "--target", "room:ghost")
    assert result.code == 1
    assert result.error.startswith(f"moltnet GET {seeded.base_url}/v1/rooms/ghost/messages?limit=20 returned 404")


def test_participants_of_room_and_dm(cli, workspace):
    room = json.loads(cli(workspace, "participants", "--target", "room:lobby").out)
    assert room["members"] == ["ada", "scout"]
    assert list(room)[:2] == ["id", "network_id"] and list(room)[-1] == "created_at"
    dm = json.loads(cli(workspace, "participants", "--target", "dm:dm_ada_scout").out)
    assert dm["participant_ids"] == ["ada", "scout"] and dm["message_count"] == 1


def test_conversations_lists_bound_rooms_and_dms(cli, workspace):
    view = json.loads(cli(workspace, "conversations").out)
    assert list(view) == ["dms", "member_id", "network_id", "rooms"]
    assert [r["id"] for r in view["rooms"]] == ["lobby"]  # "board" exists but is not bound here
    assert [d["id"] for d in view["dms"]] == ["dm_ada_scout"]
    assert (view["member_id"], view["network_id"]) == ("scout", "works")


def test_conversations_omits_dms_when_disabled(cli, tmp_path, seeded):
    write_config(tmp_path, [{"auth": {"token": "watcher-secret"}, "base_url": seeded.base_url, "member_id": "scout",
                             "network_id": "works"}])
    assert json.loads(cli(tmp_path, "conversations").out) == {"member_id": "scout", "network_id": "works"}


def test_selectors_choose_between_attachments(cli, tmp_path, seeded):
    base = {"auth": {"token": "scout-secret"}, "base_url": seeded.base_url, "rooms": [{"id": "lobby"}]}
    write_config(tmp_path, [{**base, "member_id": "scout", "network_id": "works"},
                            {**base, "member_id": "scout", "network_id": "elsewhere"},
                            {**base, "member_id": "ada", "network_id": "works"}])
    assert cli(tmp_path, "read", "--target", "room:lobby").error == \
        "multiple Moltnet attachments are configured; --network is required"
    assert cli(tmp_path, "read", "--target", "room:lobby", "--network", "works").error == \
        'multiple Moltnet attachments are configured for network "works"; --member is required'
    assert cli(tmp_path, "read", "--target", "room:lobby", "--member", "scout").error == \
        'multiple Moltnet attachments are configured for member "scout"; --network is required'
    assert cli(tmp_path, "read", "--target", "room:lobby", "--network", "nope").error == \
        'no Moltnet attachment configured for network "nope"'
    assert cli(tmp_path, "read", "--target", "room:lobby", "--network", "works", "--member", "scout").code == 0


def test_an_empty_room_prints_an_empty_array_not_null(cli, tmp_path, seeded):
    # The server sends `"messages": []`; the Go CLI re-encodes that as `[]` (null only when none was sent).
    write_config(tmp_path, [{"auth": {"token": "admin-secret"}, "base_url": seeded.base_url, "member_id": "scout",
                             "network_id": "works", "rooms": [{"id": "board"}]}])
    result = cli(tmp_path, "read", "--target", "room:board")
    assert result.code == 0, result.err
    assert '  "messages": [],\n' in result.out
    assert json.loads(result.out) == {"messages": [], "page": {"has_more": False}}
