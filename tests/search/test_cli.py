"""`moltnet search` against a real `moltnet start` (SQLite): the page, the snippet, target and errors."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import bearer_server, cli  # noqa: F401 - fixtures
from tests.support.cli import write_config

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def seeded(bearer_server):  # noqa: F811 - the fixture imported above
    admin = bearer_server.client("admin-secret")
    for room, text in (("lobby", "the build is green"), ("lobby", "build failed again"), ("board", "build notes")):
        body = {"target": {"kind": "room", "room_id": room}, "from": {"type": "agent", "id": "ada"},
                "parts": [{"kind": "text", "text": text}]}
        assert admin.post("/v1/messages", json=body).status_code == 202
    return bearer_server


@pytest.fixture
def workspace(tmp_path, seeded):
    write_config(tmp_path, [{"auth": {"mode": "bearer", "token": "scout-secret"}, "base_url": seeded.base_url,
                             "member_id": "scout", "network_id": "works", "rooms": [{"id": "lobby"}]}])
    return tmp_path


def test_search_prints_messages_with_snippets(cli, workspace):  # noqa: F811
    result = cli(workspace, "search", "build", "--target", "room:lobby", "--limit", "1")
    assert result.code == 0, result.err
    page = json.loads(result.out)
    assert [m["parts"][0]["text"] for m in page["messages"]] == ["build failed again"]
    assert page["messages"][0]["snippet"] == "[[build]] failed again"
    assert list(page["messages"][0])[-1] == "snippet"
    assert page["page"]["has_more"] is True


def test_flags_may_come_first_and_the_network_is_searched_without_target(cli, workspace):  # noqa: F811
    page = json.loads(cli(workspace, "search", "--limit", "5", "build", "-failed").out)
    assert sorted(m["parts"][0]["text"] for m in page["messages"]) == ["build notes", "the build is green"]


def test_errors_are_one_line(cli, workspace, seeded):  # noqa: F811
    assert cli(workspace, "search").error == ('search requires a query: moltnet search "query" '
                                               "[--target room:<id>|dm:<id>] [--limit 20] [--order newest|relevance]")
    assert cli(workspace, "search", "x", "--target", "room:board").error == (
        'room "board" is not attached for member "scout"')
    bad = cli(workspace, "search", "--", "-only")  # a query that starts with - comes after --
    assert bad.code == 1
    assert bad.error.startswith(f"moltnet GET {seeded.base_url}/v1/search?q=-only")
    assert "400 Bad Request" in bad.error and "q has only excluded words" in bad.error
