"""GET /v1/agents and GET /v1/agents/{agentID}: the roster derived from rooms and registrations
(docs/protocol/http-api.md §4.6, docs/protocol/model.md §4.10)."""

import pytest


@pytest.fixture
def roster(api):
    api.post("/v1/rooms", {"id": "lab", "members": ["ada", "remote:bob", "molt://far/agents/cy"]})
    api.post("/v1/rooms", {"id": "annex", "members": ["ada"]})
    assert api.post("/v1/agents/register", {"requested_agent_id": "ada", "name": "Ada"}).status_code == 201
    assert api.post("/v1/agents/register", {"requested_agent_id": "loner"}).status_code == 201


def test_members_and_registrations_make_the_roster(api, roster):
    body = api.get("/v1/agents").json()
    assert body["page"] == {"has_more": False}
    by_id = {a["id"]: a for a in body["agents"]}
    assert [a["id"] for a in body["agents"]] == ["ada", "loner", "molt://far/agents/cy", "remote:bob"]
    ada = by_id["ada"]
    assert ada["name"] == "Ada" and ada["actor_uid"].startswith("actor_")
    assert {k: v for k, v in ada.items() if k not in ("actor_uid",)} == {
        "id": "ada", "name": "Ada", "fqid": "molt://local/agents/ada", "network_id": "local",
        "rooms": ["annex", "lab"], "connected": False}
    assert by_id["remote:bob"] == {"id": "remote:bob", "fqid": "molt://remote/agents/bob", "network_id": "remote",
                                   "rooms": ["lab"], "connected": False}
    assert by_id["molt://far/agents/cy"]["fqid"] == "molt://far/agents/cy"
    assert "rooms" not in by_id["loner"]  # registered, in no room: shown to a privileged caller


def test_roster_pages_like_every_collection(api, roster):
    body = api.get("/v1/agents?limit=2").json()
    assert [a["id"] for a in body["agents"]] == ["ada", "loner"]
    assert body["page"] == {"has_more": True, "next_after": "loner"}
    assert api.get("/v1/agents?after=nobody").status_code == 422


def test_get_one_registered_agent(api, roster):
    body = api.get("/v1/agents/%20ada").json()
    assert (body["id"], body["name"], body["rooms"], body["connected"]) == ("ada", "Ada", ["annex", "lab"], False)


def test_get_one_member_string_is_not_parsed(api, roster):
    body = api.get("/v1/agents/remote:bob").json()
    assert body == {"id": "remote:bob", "fqid": "molt://local/agents/remote:bob", "network_id": "local",
                    "rooms": ["lab"], "connected": False}


def test_unknown_agent_is_404(api, roster):
    response = api.get("/v1/agents/nobody")
    assert (response.status_code, response.json()["error"]) == (404, 'unknown agent "nobody"')


def test_anonymous_public_read_sees_only_public_room_members(api, roster, configure):
    api.post("/v1/rooms", {"id": "square", "visibility": "public", "members": ["dora"]})
    configure({"auth": {"mode": "open"}})
    assert [a["id"] for a in api.get("/v1/agents").json()["agents"]] == ["dora"]
    assert api.get("/v1/agents/ada").status_code == 404
    assert api.get("/v1/agents/dora").status_code == 404  # members need roster privilege to be looked up


def test_a_registered_id_is_not_parsed_when_finding_its_rooms(api):
    # The registration "far:cy" is (local, "far:cy"), not the member molt://far/agents/cy of another network.
    api.post("/v1/rooms", {"id": "lab", "members": ["molt://far/agents/cy"]})
    assert api.post("/v1/agents/register", {"requested_agent_id": "far:cy"}).status_code == 201
    by_id = {a["id"]: a for a in api.get("/v1/agents").json()["agents"]}
    assert "rooms" not in by_id["far:cy"]
    assert by_id["molt://far/agents/cy"]["rooms"] == ["lab"]
    assert "rooms" not in api.get("/v1/agents/far:cy").json()


def test_unknown_agent_echoes_the_id_go_quoted(api):
    response = api.get("/v1/agents/a%22b")
    assert (response.status_code, response.json()["error"]) == (404, 'unknown agent "a\\"b"')
