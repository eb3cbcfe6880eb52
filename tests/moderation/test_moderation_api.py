"""Moderation from the admin API: hide/unhide, remove+revoke, refused agent ids, top posters;
every action lands in the audit trail."""

from __future__ import annotations

from agents.models import AgentRegistration
from tests.support.api import ApiClient
from tests.support.moderation import TOKENS, text


def say(client: ApiClient, message_id: str, sender: str = "ada", **target) -> None:
    body = {"id": message_id, "target": target or {"kind": "room", "room_id": "lab"},
            "from": {"type": "agent", "id": sender}, "parts": text(message_id)}
    assert client.post("/v1/messages", body).status_code == 202


def ids(client: ApiClient, path: str = "/v1/rooms/lab/messages", **query) -> list[str]:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    response = client.get(path + suffix)
    assert response.status_code == 200, response.content
    return [m["id"] for m in response.json()["messages"]]


def audit(admin: ApiClient, kind: str) -> list[dict]:
    return admin.get(f"/v1/audit/credentials?kind={kind}").json()["events"]


def test_a_hidden_message_is_gone_from_history_but_admins_still_see_it(admin, reader):
    for message_id in ("m1", "m2", "m3"):
        say(reader, message_id)
    hidden = admin.post("/v1/admin/messages/m2/hide")
    assert hidden.status_code == 200, hidden.content
    assert hidden.json()["hidden"] is True and hidden.json()["hidden_by"] == "token:admin"
    assert ids(reader) == ["m1", "m3"]
    assert ids(reader, limit=1, before="m3") == ["m1"]  # cursor pages too
    page = admin.get("/v1/rooms/lab/messages").json()["messages"]
    assert [(m["id"], m.get("hidden", False)) for m in page] == [("m1", False), ("m2", True), ("m3", False)]
    [row] = audit(admin, "moderation.message_hidden")
    assert (row["agent_id"], row["credential"], row["detail"]) == ("ada", "token:admin", "message m2 in room lab")


def test_unhide_brings_it_back_and_is_audited_once(admin, reader):
    say(reader, "m1")
    admin.post("/v1/admin/messages/m1/hide")
    admin.post("/v1/admin/messages/m1/hide")  # idempotent: one audit row
    assert ids(reader) == []
    shown = admin.post("/v1/admin/messages/m1/unhide")
    assert shown.json() == {"id": "m1", "hidden": False}
    assert ids(reader) == ["m1"]
    assert len(audit(admin, "moderation.message_hidden")) == 1
    assert len(audit(admin, "moderation.message_unhidden")) == 1


def test_hidden_thread_and_dm_messages_leave_their_history_too(admin, reader):
    say(reader, "root")
    say(reader, "r1", kind="thread", room_id="lab", thread_id="t1", parent_message_id="root")
    say(reader, "d1", kind="dm", dm_id="dm_1", participant_ids=["ada", "grace"])
    admin.post("/v1/admin/messages/r1/hide")
    admin.post("/v1/admin/messages/d1/hide")
    assert ids(reader, "/v1/threads/t1/messages") == []
    assert ids(reader, "/v1/dms/dm_1/messages") == []


def test_hiding_needs_admin_and_an_unknown_message_is_404(admin, reader):
    say(reader, "m1")
    assert reader.post("/v1/admin/messages/m1/hide").status_code == 403
    missing = admin.post("/v1/admin/messages/nope/hide")
    assert missing.status_code == 404 and "unknown message" in missing.json()["error"]


def test_remove_and_revoke_in_one_action(admin, configure):
    configure({"auth": {"mode": "open", "tokens": TOKENS}})
    registered = ApiClient().post("/v1/agents/register", {"requested_agent_id": "spammer"})
    assert registered.status_code == 201, registered.content
    token = registered.json()["agent_token"]
    agent = ApiClient(token)
    dm = {"kind": "dm", "dm_id": "dm_spam", "participant_ids": ["spammer", "ada"]}
    assert agent.post("/v1/messages", {"target": dm, "from": {"type": "agent", "id": "spammer"},
                                       "parts": text("buy")}).status_code == 202
    removed = admin.post("/v1/admin/agents/spammer/remove")
    assert removed.status_code == 200, removed.content
    assert removed.json() == {"removed": True, "kind": "agent", "id": "spammer", "mode": "soft", "revoked": True}
    assert not AgentRegistration.objects.filter(agent_id="spammer").exists()
    refused = agent.post("/v1/messages", {"target": dm, "from": {"type": "agent", "id": "spammer"},
                                          "parts": text("again")})
    assert refused.status_code == 401  # the agent token no longer resolves
    [row] = audit(admin, "moderation.agent_removed")
    assert row["agent_id"] == "spammer" and "agent token revoked" in row["detail"]
    assert audit(admin, "agent.removed")[0]["agent_id"] == "spammer"
    assert admin.post("/v1/admin/agents/spammer/remove").status_code == 404


def test_refused_patterns_stop_new_registrations_and_are_audited(admin, configure):
    configure({"auth": {"mode": "open", "tokens": TOKENS,
                        "registration": {"refused_patterns": ["^spam", "casino"]}}})
    refused = ApiClient().post("/v1/agents/register", {"requested_agent_id": "spam-bot"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "agent id \"spam-bot\" is refused by this network's registration policy"
    assert ApiClient().post("/v1/agents/register", {"requested_agent_id": "big-casino-1"}).status_code == 403
    assert ApiClient().post("/v1/agents/register", {"requested_agent_id": "ada"}).status_code == 201
    rows = audit(admin, "moderation.registration_refused")
    assert [(r["agent_id"], r["detail"]) for r in rows] == [("big-casino-1", "matches refused pattern 'casino'"),
                                                            ("spam-bot", "matches refused pattern '^spam'")]


def test_top_posters_counts_the_last_hour(admin, reader):
    for index in range(3):
        say(reader, f"a{index}", "ada")
    say(reader, "g0", "grace")
    say(reader, "d0", "grace", kind="dm", dm_id="dm_1", participant_ids=["ada", "grace"])
    say(reader, "c0", "cleo", kind="dm", dm_id="dm_2", participant_ids=["cleo", "ada"])
    response = admin.get("/v1/admin/top_posters")
    assert response.status_code == 200
    body = response.json()
    assert body["window_seconds"] == 3600
    assert [(p["id"], p["messages"]) for p in body["posters"]] == [("ada", 3), ("grace", 2), ("cleo", 1)]
    assert reader.get("/v1/admin/top_posters").status_code == 403


def test_a_hidden_message_takes_its_artifacts_with_it(admin, reader):
    body = {"id": "m1", "target": {"kind": "room", "room_id": "lab"}, "from": {"type": "agent", "id": "ada"},
            "parts": [{"kind": "url", "url": "https://spam.example/buy"}]}
    assert reader.post("/v1/messages", body).status_code == 202
    admin.post("/v1/admin/messages/m1/hide")
    assert reader.get("/v1/artifacts?room_id=lab").json()["artifacts"] == []
    assert [a["message_id"] for a in admin.get("/v1/artifacts?room_id=lab").json()["artifacts"]] == ["m1"]
