"""GET /skill.md: the skill is generated for the caller's access profile (docs/protocol/discovery-metrics.md §4)."""

from __future__ import annotations

import pytest

ROOMS = [
    {"id": "lab", "visibility": "public"},
    {"id": "workshop", "visibility": "public", "write_policy": "registered_agents"},
    {"id": "vault", "members": ["scout"]},
]
TOKENS = [
    {"id": "admin", "value": "admin-secret", "scopes": ["admin", "observe", "write"]},
    {"id": "observer", "value": "observer-secret", "scopes": ["observe"]},
    {"id": "writer", "value": "writer-secret", "scopes": ["write"]},
    {"id": "pairer", "value": "pair-secret", "scopes": ["pair"]},
]


def skill(api, token: str | None = None) -> str:
    response = api.with_token(token).get("/skill.md")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("---\nname: moltnet\ndescription: \"")
    return text


@pytest.fixture
def bearer(configure, db):
    return configure({"network": {"id": "works", "name": "Works"}, "auth": {"mode": "bearer", "tokens": TOKENS},
                      "rooms": ROOMS}, declared=True)


def test_bearer_network_requires_a_token(api, bearer):
    assert api.get("/skill.md").status_code == 401
    assert api.with_token("nonsense").get("/skill.md").status_code == 401
    assert api.with_token("pair-secret").get("/skill.md").status_code == 403


def test_read_only_token_gets_no_send_and_no_admin_instructions(api, bearer):
    text = skill(api, "observer-secret")
    assert "with read-only access" in text and "Current access: read-only access" in text
    assert "Readable rooms: `lab`, `vault`, `workshop`" in text
    assert "moltnet read --network works --target room:lab --limit 20" in text
    assert "moltnet participants --network works --target room:lab" in text
    assert "moltnet send" not in text
    assert "moltnet admin" not in text and "Admin cleanup is unavailable" in text
    assert "moltnet read --network works --target dm:<dm-id> --limit 20" in text
    assert "--auth-mode bearer \\\n  --token-env MOLTNET_TOKEN" in text


def test_write_only_token_cannot_see_rooms_and_is_not_told_to_send(api, bearer):
    text = skill(api, "writer-secret")
    assert "Current access: write-only access" in text
    assert "Room list: unavailable with this token" in text
    assert "Readable rooms" not in text
    assert "Reading is unavailable" in text and "moltnet read --network" not in text
    commands = text.split("## Available Commands")[1].split("## Rules")[0]
    assert "--target room:" not in commands
    assert "Sending is unavailable" in text
    # The CLI resolves a DM (an observe read) before sending to it, so this token gets no DM command.
    assert "dm:<dm-id>" not in text
    assert "Direct messages exist on this network but are unavailable with your current access" in text


def test_admin_token_gets_admin_cleanup_and_sends_where_writable(api, bearer):
    text = skill(api, "admin-secret")
    assert "Current access: admin access" in text
    assert "Writable rooms now: `lab`, `vault`, `workshop`" in text
    assert 'moltnet send --network works --target room:lab --text "Hello from <agent-id>."' in text
    assert ("moltnet admin agent remove --base-url http://testserver --agent <agent-id> "
            "--token-env MOLTNET_ADMIN_TOKEN") in text
    assert ("moltnet admin room remove --base-url http://testserver --room <room-id> "
            "--token-env MOLTNET_ADMIN_TOKEN") in text


def test_direct_messages_off_removes_every_dm_instruction(api, configure, db):
    configure({"auth": {"mode": "bearer", "tokens": TOKENS}, "server": {"direct_messages": False}, "rooms": ROOMS},
              declared=True)
    text = skill(api, "admin-secret")
    assert "Direct messages: disabled" in text
    assert "dm:<dm-id>" not in text
    assert "do not use `dm:` targets" in text


def test_open_network_anonymous_gets_public_read_and_registration(api, configure, db):
    configure({"network": {"id": "studio", "name": "Studio"}, "auth": {"mode": "open"}, "rooms": ROOMS},
              declared=True)
    text = skill(api)
    assert 'with public read access."' in text
    assert "Current access: public read access; registration availability is listed below" in text
    assert "Readable rooms: `lab`, `workshop`" in text and "vault" not in text
    assert "Rooms accepting registered agents after `moltnet connect`: `workshop`" in text
    assert "  --rooms lab,workshop \\\n  --registration open" in text
    assert "claims the agent ID" in text
    # Sending only after connect, and only to the room that accepts registered agents.
    assert "Sending requires `moltnet connect` to claim an agent ID first" in text
    assert 'moltnet send --network studio --target room:workshop --text "Hello from <agent-id>."' in text
    assert "--target room:lab --text" not in text
    assert "Direct messages exist on this network but are unavailable" in text


def test_open_network_agent_token_reads_and_writes(api, configure, db):
    configure({"network": {"id": "studio"}, "auth": {"mode": "open"}, "rooms": ROOMS}, declared=True)
    token = api.post("/v1/agents/register", {"requested_agent_id": "nova"}).json()["agent_token"]
    text = skill(api, token)
    assert "Current access: read and write access" in text
    assert "Writable rooms now: `workshop`" in text
    assert 'moltnet send --network studio --target room:workshop --text "Hello from <agent-id>."' in text
    assert "dm:<dm-id>" not in text  # no DM read, and the CLI cannot send to a DM it cannot read
    assert "moltnet admin" not in text


def test_auth_none_is_admin_with_every_block(api, configure, db):
    configure({"rooms": ROOMS}, declared=True)
    text = skill(api)
    assert "Current access: admin access" in text and "Auth mode: `none`" in text
    assert "  --auth-mode none\n" in text
    for fragment in ("moltnet read --network local --target room:lab", "moltnet send --network local --target room:lab",
                     "--target dm:<dm-id> --limit 20", "moltnet admin agent remove",
                     'moltnet send --network local --target dm:<dm-id> --text "Can you review this?"'):
        assert fragment in text


def test_forwarded_headers_shape_the_urls(api, configure, db):
    configure({"network": {"id": "local"}})
    response = api.get("/skill.md", **{"X-Forwarded-Proto": "HTTPS, http", "X-Forwarded-Host": "chat.example.net"})
    text = response.content.decode()
    assert "Base URL: `https://chat.example.net`" in text
    assert "No room read commands are available until a room is exposed" in text
    assert "--rooms '<room-id>'" in text
