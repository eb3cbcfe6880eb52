"""Search shows exactly what the history routes show, for every credential kind and auth mode,
and an agent token also finds its own conversations.

The oracle is the history routes themselves: for each caller, the messages it can read through
GET /v1/rooms/{id}/messages, /v1/threads/{id}/messages and /v1/dms/{id}/messages are the messages
its search must return, no more and no fewer; where search refuses, the room history route
refuses the same way. The one addition: an agent token (which history reads as anonymous, or
refuses) also finds the messages of the rooms its agent is a member of and of the DMs it takes
part in.
"""

from __future__ import annotations

import pytest

from rooms.models import Message
from tests.support.agents import auth, message
from tests.support.search import error, hits

AGENT_TOKEN = "magt_v1_searchsearchsearchsearchsearchsearchsearchs"
CREDENTIALS = [None, "observe", "admin", "write", "attach", "pair", "operator", "ops", "luna-only", AGENT_TOKEN,
               "magt_v1_unknownunknownunknownunknownunknownunknownun"]
MODES = {
    "none": {"auth": {"mode": "none"}},
    "bearer": auth("bearer"),
    "bearer+public_read": auth("bearer", public_read=True),
    "open": auth("open"),
}
ROOMS = ("square", "vault")
THREADS = ("t-square", "t-vault")
DMS = ("dm-1",)


@pytest.fixture
def network(configure, as_token, room_with, registered):
    """A public and a private room, each with a message, a thread reply and a hidden message; a DM.

    Every message says `needle`; `sol` (an agent token's agent) is a member of the private room.
    """
    configure({"auth": {"mode": "none"}})
    room_with("square", ["luna", "ada"], visibility="public")
    room_with("vault", ["sol"], visibility="private")
    client = as_token(None)
    text = [{"kind": "text", "text": "needle in the haystack"}]
    for room, sender in (("square", "luna"), ("vault", "sol")):
        for body in (message(sender, room, id=f"m-{room}", parts=text),
                     message(sender, room, id=f"hidden-{room}", parts=text),
                     message(sender, room, id=f"r-{room}", parts=text,
                             target={"kind": "thread", "room_id": room, "thread_id": f"t-{room}",
                                     "parent_message_id": f"m-{room}"})):
            assert client.post("/v1/messages", body).status_code == 202
    for n in (1, 2):
        dm = message("luna", id=f"d-{n}", parts=text,
                     target={"kind": "dm", "dm_id": "dm-1", "participant_ids": ["luna", "sol"]})
        assert client.post("/v1/messages", dm).status_code == 202
    registered("sol", agent_token=AGENT_TOKEN)  # after its sends: a claimed id refuses anonymous senders
    Message.objects.filter(id__in=["hidden-square", "hidden-vault", "d-2"]).update(hidden_at="2026-12-04T00:00:00Z")


def readable_through_history(client) -> set[str]:
    paths = ([f"/v1/rooms/{r}/messages" for r in ROOMS] + [f"/v1/threads/{t}/messages" for t in THREADS]
             + [f"/v1/dms/{d}/messages" for d in DMS])
    seen: set[str] = set()
    for path in paths:
        response = client.get(path + "?limit=500")
        if response.status_code == 200:
            seen |= {m["id"] for m in response.json()["messages"]}
    return seen


SOL_OWN = {"m-vault", "r-vault", "d-1"}  # sol's member room (and its thread) and its DM, hidden ones aside


@pytest.mark.parametrize("mode", list(MODES))
def test_search_returns_exactly_what_history_returns(network, configure, as_token, mode):
    configure(MODES[mode])
    for credential in CREDENTIALS:
        client = as_token(credential)
        response = client.get("/v1/search?q=needle&limit=500")
        label = f"{mode} as {credential}"
        own = SOL_OWN if credential == AGENT_TOKEN and mode != "none" else set()
        if response.status_code == 200:
            assert set(hits(response)) == readable_through_history(client) | own, label
        else:
            history = client.get("/v1/rooms/square/messages")
            assert error(response) == error(history), label
            assert readable_through_history(client) == set(), label


PUBLIC = {"m-square", "r-square"}
EVERYTHING_BUT_HIDDEN = PUBLIC | {"m-vault", "r-vault", "d-1"}
EVERYTHING = EVERYTHING_BUT_HIDDEN | {"hidden-square", "hidden-vault", "d-2"}


@pytest.mark.parametrize(("mode", "credential", "expected"), [
    ("bearer", "write", set()),                     # a write-only token may search, and can read nothing
    ("none", None, EVERYTHING_BUT_HIDDEN),          # mode none: full read, but no admin claim
    ("open", None, PUBLIC),                         # anonymous under public_read: public rooms
    ("open", AGENT_TOKEN, PUBLIC | SOL_OWN),        # an agent token: public rooms and its own conversations
    ("bearer", AGENT_TOKEN, SOL_OWN),               # ... and without public_read, its own conversations only
    ("open", "write", PUBLIC),
    ("bearer+public_read", "pair", PUBLIC),
    ("bearer", "observe", EVERYTHING_BUT_HIDDEN),   # observe: every room and DM, not hidden messages
    ("bearer", "ops", EVERYTHING_BUT_HIDDEN),
    ("bearer", "admin", EVERYTHING),                # admin: hidden messages too, as in history
    ("open", "operator", EVERYTHING),
])
def test_what_each_caller_finds(network, configure, as_token, mode, credential, expected):
    configure(MODES[mode])
    assert set(hits(as_token(credential).get("/v1/search?q=needle"))) == expected


@pytest.mark.parametrize(("mode", "credential", "status", "text"), [
    ("bearer", None, 401, "authorization required"),
    ("bearer", "magt_v1_unknownunknownunknownunknownunknownunknownun", 401, "invalid token"),
])
def test_callers_without_read_access_are_refused_like_history(network, configure, as_token, mode, credential,
                                                              status, text):
    configure(MODES[mode])
    client = as_token(credential)
    assert error(client.get("/v1/search?q=needle")) == (status, text)
    assert error(client.get("/v1/rooms/square/messages")) == (status, text)


@pytest.mark.parametrize("credential", [None, "write"])
def test_filters_on_unreadable_conversations_fail_like_history(network, configure, as_token, credential):
    configure(auth("open"))
    client = as_token(credential)
    for search, history in (("room_id=vault", "/v1/rooms/vault/messages"),
                            ("thread_id=t-vault", "/v1/threads/t-vault/messages"),
                            ("dm_id=dm-1", "/v1/dms/dm-1/messages")):
        refused = error(client.get(f"/v1/search?q=needle&{search}"))
        assert refused == error(client.get(history)), search
        assert refused[0] in (401, 403), search
    assert hits(client.get("/v1/search?q=needle&room_id=square")) == ["r-square", "m-square"]


def test_dms_are_not_searched_when_disabled(network, configure, as_token):
    configure({**auth("bearer"), "server": {"direct_messages": False}})
    found = set(hits(as_token("admin").get("/v1/search?q=needle")))
    assert found == EVERYTHING - {"d-1", "d-2"}


def test_a_room_made_private_drops_out_for_anonymous_callers(network, configure, as_token):
    configure(auth("open"))
    from rooms.models import Room

    Room.objects.filter(id="square").update(visibility="private")
    assert hits(as_token(None).get("/v1/search?q=needle")) == []
    Room.objects.filter(id="vault").update(visibility="public")
    assert set(hits(as_token(None).get("/v1/search?q=needle"))) == {"m-vault", "r-vault"}


def test_unhiding_brings_a_message_back(network, configure, as_token):
    configure(auth("bearer"))
    Message.objects.filter(id="hidden-square").update(hidden_at=None)
    assert "hidden-square" in hits(as_token("observe").get("/v1/search?q=needle"))


@pytest.mark.parametrize("mode", ["open", "bearer"])
def test_an_agent_token_filters_on_its_own_conversations(network, configure, as_token, room_with, mode):
    configure(MODES[mode])
    client = as_token(AGENT_TOKEN)
    assert set(hits(client.get("/v1/search?q=needle&room_id=vault"))) == {"m-vault", "r-vault"}
    assert hits(client.get("/v1/search?q=needle&thread_id=t-vault")) == ["r-vault"]
    assert hits(client.get("/v1/search?q=needle&dm_id=dm-1")) == ["d-1"]
    assert error(client.get("/v1/dms/dm-1/messages"))[0] in (401, 403)  # history still refuses it


def test_an_agent_token_does_not_find_other_agents_conversations(network, configure, as_token, room_with):
    configure({"auth": {"mode": "none"}})
    room_with("den", ["luna"], visibility="private")
    client = as_token(None)
    text = [{"kind": "text", "text": "needle for luna and ada"}]
    assert client.post("/v1/messages", message("luna", "den", id="m-den", parts=text)).status_code == 202
    other_dm = message("luna", id="d-other", parts=text,
                       target={"kind": "dm", "dm_id": "dm-other", "participant_ids": ["luna", "ada"]})
    assert client.post("/v1/messages", other_dm).status_code == 202
    configure(auth("open"))
    sol = as_token(AGENT_TOKEN)
    assert not {"m-den", "d-other"} & set(hits(sol.get("/v1/search?q=needle")))
    assert error(sol.get("/v1/search?q=needle&room_id=den")) == error(sol.get("/v1/rooms/den/messages"))
    assert error(sol.get("/v1/search?q=needle&dm_id=dm-other")) == (403, "forbidden")
    assert error(sol.get("/v1/search?q=needle&dm_id=dm-none")) == (403, "forbidden")


def test_an_agent_token_finds_no_dms_when_they_are_disabled(network, configure, as_token):
    configure({**auth("open"), "server": {"direct_messages": False}})
    assert set(hits(as_token(AGENT_TOKEN).get("/v1/search?q=needle"))) == PUBLIC | {"m-vault", "r-vault"}
