"""Anonymous public read (docs/protocol/auth.md §10): public rooms and their history only; DMs, artifacts, metrics
never."""

from __future__ import annotations

import pytest

from tests.support.agents import auth, message


@pytest.fixture
def network(configure, as_token, room_with, registered):
    """A public and a private room, each with a message and a thread, a DM, and registered agents."""
    configure({"auth": {"mode": "none"}})
    room_with("square", ["luna", "ada"], visibility="public")
    room_with("vault", ["sol"], visibility="private")
    registered("luna")
    registered("sol")
    registered("loner")
    client = as_token(None)
    for room, sender in (("square", "luna"), ("vault", "sol")):
        first = client.post("/v1/messages", message(sender, room, id=f"m-{room}"))
        assert first.status_code == 202, first.content
        reply = message(sender, room, target={"kind": "thread", "room_id": room, "thread_id": f"t-{room}",
                                              "parent_message_id": f"m-{room}"})
        assert client.post("/v1/messages", reply).status_code == 202
    dm = message("luna", target={"kind": "dm", "dm_id": "dm-1", "participant_ids": ["luna", "sol"]})
    assert client.post("/v1/messages", dm).status_code == 202


def status(client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.json().get("error", "") if response.status_code >= 400 else ""


@pytest.mark.parametrize("viewer", [None, "write", "magt_v1_nobody-token"])
def test_anonymous_and_underscoped_callers_see_only_public_data(network, configure, as_token, viewer, registered):
    configure(auth("open"))
    if viewer and viewer.startswith("magt_v1_"):
        registered("nobody", agent_token=viewer)
    client = as_token(viewer)
    assert [r["id"] for r in client.get("/v1/rooms").json()["rooms"]] == ["square"]
    assert status(client, "/v1/rooms/square") == (200, "")
    assert status(client, "/v1/rooms/vault") == (403, "room vault is not readable")
    assert [m["id"] for m in client.get("/v1/rooms/square/messages").json()["messages"]] == ["m-square"]
    assert status(client, "/v1/rooms/vault/messages") == (403, "room vault is not readable")
    assert status(client, "/v1/rooms/vault/threads") == (403, "room vault is not readable")
    assert status(client, "/v1/threads/t-square")[0] == 200
    assert status(client, "/v1/threads/t-vault") == (403, "room vault is not readable")
    assert status(client, "/v1/threads/t-vault/messages") == (403, "room vault is not readable")
    agents = [a["id"] for a in client.get("/v1/agents").json()["agents"]]
    assert agents == ["ada", "luna"]  # members of public rooms; sol (private) and loner (no room) hidden
    assert status(client, "/v1/agents/luna")[0] == 200
    assert status(client, "/v1/agents/sol") == (404, 'unknown agent "sol"')
    assert status(client, "/v1/agents/loner") == (404, 'unknown agent "loner"')


def test_private_surfaces_are_never_anonymous(network, configure, as_token):
    configure(auth("open"))
    anonymous = as_token(None)
    for path in ("/v1/dms", "/v1/dms/dm-1", "/v1/dms/dm-1/messages", "/v1/artifacts?room_id=square", "/metrics"):
        assert status(anonymous, path) == (401, "authorization required"), path
    for path in ("/v1/dms", "/v1/artifacts?room_id=square", "/metrics"):
        assert status(as_token("write"), path) == (403, "forbidden"), path


def test_observers_see_everything(network, configure, as_token):
    configure(auth("open"))
    observer = as_token("observe")
    assert [r["id"] for r in observer.get("/v1/rooms").json()["rooms"]] == ["square", "vault"]
    assert status(observer, "/v1/rooms/vault/messages")[0] == 200
    assert {a["id"] for a in observer.get("/v1/agents").json()["agents"]} == {"ada", "luna", "sol", "loner"}
    assert status(observer, "/v1/dms")[0] == 200


def test_public_read_off_means_no_anonymous_reads(network, configure, as_token):
    configure(auth("bearer"))
    assert status(as_token(None), "/v1/rooms") == (401, "authorization required")
    assert status(as_token("write"), "/v1/rooms/square") == (403, "forbidden")
    # A pair-only token passes the route check but sees no private roster or rooms.
    assert as_token("pair").get("/v1/agents").json()["agents"] == []
    assert as_token("pair").get("/v1/rooms").json()["rooms"] == []


def test_publicity_is_evaluated_per_request(network, configure, as_token):
    configure(auth("open"))
    assert status(as_token(None), "/v1/rooms/vault")[0] == 403
    from rooms.models import Room

    Room.objects.filter(id="vault").update(visibility="public")
    assert status(as_token(None), "/v1/rooms/vault")[0] == 200
