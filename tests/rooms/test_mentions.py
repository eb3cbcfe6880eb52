"""Mention extraction and resolution to canonical agent FQIDs (docs/protocol/model.md §10)."""

import pytest

from rooms import mentions
from tests.support.rooms import room, thread

PAIRED = {"network": {"id": "local", "name": "Local Moltnet"},
          "pairings": [{"id": "remote", "remote_network_id": "remote_net", "remote_network_name": "Remote Net",
                        "remote_base_url": "http://127.0.0.1:9"}]}
MEMBERS = ["director", "penny", "remote_net:director", "molt://remote_net/agents/howard"]


@pytest.fixture
def lab(configure, make_room):
    configure(PAIRED)
    make_room("lab", members=MEMBERS)


def stored_mentions(api, send, text_body: str, **fields) -> list[str] | None:
    assert send(room(), text_body, **fields).status_code == 202
    return api.get("/v1/rooms/lab/messages").json()["messages"][-1].get("mentions")


@pytest.mark.parametrize(("text_body", "expected"), [
    ("@penny, hello", ["molt://local/agents/penny"]),
    ("@remote:director look", ["molt://remote_net/agents/director"]),
    ("<@molt://remote_net/agents/howard> hi", ["molt://remote_net/agents/howard"]),
    ("@director ambiguous", None),
    ("<@molt://remote_net/agents/penny> not a member", None),
    ("@remote_net:director by network id", ["molt://remote_net/agents/director"]),
    ("@Remote Net:director", None),  # the name has a space: "@Remote" alone resolves nothing
    ("@local:penny and @penny", ["molt://local/agents/penny"]),
    ("@molt://remote_net/agents/howard raw form is discarded", None),
    ("mail me@penny.", None),  # captures "penny." which is no member
    ("mail me@penny!", ["molt://local/agents/penny"]),
    ("@howard", ["molt://remote_net/agents/howard"]),
    ("@nobody", None),
])
def test_spec_examples(api, lab, send, text_body, expected):
    assert stored_mentions(api, send, text_body) == expected


def test_explicit_mentions_come_first_and_duplicates_collapse(api, lab, send):
    got = stored_mentions(api, send, "@penny and @howard", mentions=["molt://remote_net/agents/howard", "", "penny"])
    assert got == ["molt://remote_net/agents/howard", "molt://local/agents/penny"]


def test_only_exact_text_parts_are_scanned(api, lab):
    parts = [{"kind": "url", "url": "https://x.org", "text": "@penny"}, {"kind": " text", "text": "@penny"}]
    api.post("/v1/messages", {"target": room(), "from": {"id": "director"}, "parts": parts})
    assert "mentions" not in api.get("/v1/rooms/lab/messages").json()["messages"][-1]


def test_dm_mentions_resolve_against_participants_as_sent(api, configure, send):
    configure(PAIRED)
    send({"kind": "dm", "dm_id": "d1", "participant_ids": ["ada", "remote_net:bob"]}, "@bob @ada", id="m1")
    [message] = api.get("/v1/dms/d1/messages").json()["messages"]
    assert message["mentions"] == ["molt://remote_net/agents/bob", "molt://local/agents/ada"]


def test_thread_mentions_use_the_target_room_and_404_when_it_is_unknown(api, lab, send):
    send(thread("t1"), "@penny", id="m1")
    assert api.get("/v1/threads/t1/messages").json()["messages"][0]["mentions"] == ["molt://local/agents/penny"]
    response = send(thread("t1", room_id="ghost"), "@penny")
    assert (response.status_code, response.json()["error"]) == (404, 'unknown room "ghost"')
    assert send(thread("t1", room_id="ghost"), "no candidates").status_code == 202


def test_whitespace_is_go_whitespace():
    # A non-breaking space is not Go \\s, so it stays inside the <@…> candidate.
    assert mentions.candidates([], ["<@molt://n/agents/a\u00a0b>"]) == ["molt://n/agents/a\u00a0b"]
    assert mentions.candidates([], ["@a\tb @c:d:e"]) == ["a", "c:d"]
