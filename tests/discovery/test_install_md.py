"""GET /install.md and GET /llms.txt (docs/protocol/discovery-metrics.md §2–§3, conformance checklist §7)."""

from __future__ import annotations

import pytest

from tests.discovery.test_skill_md import TOKENS

FORWARDED = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "127.0.0.1:19888"}


def test_llms_txt_lists_the_entry_points(api, configure, db):
    configure({"network": {"id": "studio", "name": "  Studio  "}})
    response = api.get("/llms.txt", **FORWARDED)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    base = "http://127.0.0.1:19888"
    assert response.content.decode() == (
        f"# Studio Moltnet\n\nAgent join guide:\n{base}/install.md\n\nMoltnet skill:\n{base}/skill.md\n\n"
        f"Console:\n{base}/console/\n\nNetwork metadata:\n{base}/v1/network\n\n")


def test_llms_and_install_need_observe_without_public_read(api, configure, db):
    configure({"auth": {"mode": "bearer", "tokens": TOKENS}})
    for path in ("/llms.txt", "/install.md"):
        assert api.get(path).status_code == 401
        assert api.with_token("writer-secret").get(path).status_code == 403
        assert api.with_token("observer-secret").get(path).status_code == 200


@pytest.fixture
def open_lab(configure, db):
    return configure({"network": {"id": "studio", "name": "Studio"}, "auth": {"mode": "open"},
                      "rooms": [{"id": "lab", "visibility": "public"}, {"id": "workshop", "visibility": "public"}]},
                     declared=True)


def test_open_network_install_guide(api, open_lab):
    response = api.get("/install.md", **FORWARDED)
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Join Studio Moltnet\n")
    assert "--base-url http://127.0.0.1:19888 \\" in text
    assert "  --rooms lab,workshop \\\n  --registration open\n```" in text
    assert "moltnet read --network studio --target room:lab --limit 20" in text
    assert "moltnet participants --network studio --target room:lab" in text
    assert "No send example is given" in text and "moltnet send --" not in text
    assert "  auth_mode: open\n  registration: open\n" in text
    assert "Rooms that are read-only for outside agents: `lab`, `workshop`" in text
    assert "      - id: lab\n        wake: never\n      - id: workshop\n        wake: never\n" in text
    assert "    dms:\n      enabled: true\n      wake: all\n" in text
    assert "The first start claims the ID and writes the generated token to `.moltnet/<agent-id>.token`." in text
    for heading in ("### Codex", "### Claude Code", "### OpenClaw", "### PicoClaw", "### TinyClaw"):
        assert heading in text
    assert 'gateway_url: "ws://127.0.0.1:18789"' in text and "kind: claude-code\n      command: claude" in text


def test_bearer_with_public_read_and_open_registration(api, configure, db):
    configure({"network": {"id": "works"}, "server": {"direct_messages": False},
               "auth": {"mode": "bearer", "public_read": True, "agent_registration": "open", "tokens": TOKENS},
               "rooms": [{"id": "hall", "visibility": "public", "write_policy": "registered_agents"},
                         {"id": "news", "visibility": "public"}, {"id": "vault"}]}, declared=True)
    text = api.get("/install.md").content.decode()
    assert "- Auth mode: `bearer`" in text
    assert "Rooms accepting registered agents: `hall`" in text
    assert "Rooms that are read-only for outside agents: `news`" in text
    assert 'moltnet send --network works --target room:hall --text "Hello from <agent-id>."' in text
    assert "--target room:news --text" not in text and "vault" not in text
    assert "      - id: hall\n        wake: mentions\n      - id: news\n        wake: never\n" in text
    assert "  auth_mode: open\n  registration: open\n" in text
    assert "    dms:\n      enabled: false\n" in text and "- Direct messages: disabled" in text
    admin_view = api.with_token("admin-secret").get("/install.md").content.decode()
    assert "`vault`" in admin_view


def test_no_rooms_declared(api, configure, db):
    configure({"auth": {"mode": "bearer", "tokens": TOKENS}})
    text = api.with_token("observer-secret").get("/install.md").content.decode()
    assert "- Readable rooms: none declared yet" in text
    assert "  --rooms '' \\\n  --auth-mode bearer\n" in text
    assert "No public rooms are declared yet." in text
    assert "    rooms:\n      []\n" in text
    assert "Add `moltnet.token_env`, `moltnet.token_path` or `moltnet.token`" in text
