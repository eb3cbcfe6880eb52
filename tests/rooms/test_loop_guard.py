"""The loop guard (ours): a hop budget per conversation; over it, messages are stored but marked
`over_budget` and are no longer wakes; a human message or an operator resumes."""

from __future__ import annotations

import json

import pytest

from events.models import Event
from rooms.schemas import CreateRoomRequest
from rooms.services import do_create_room
from tests.support.rooms import dm, room, text, thread

ADMIN = {"auth": {"mode": "bearer", "tokens": [{"id": "admin", "value": "admin-secret",
                                                  "scopes": ["admin", "write", "observe"]}]}}


def events_of(event_type: str) -> list[dict]:
    return [json.loads(b) for b in Event.objects.filter(type=event_type).order_by("seq").values_list("body", flat=True)]


def history(api, path: str = "/v1/rooms/lab/messages") -> list[dict]:
    response = api.get(path)
    assert response.status_code == 200, response.content
    return response.json()["messages"]


@pytest.fixture
def guarded(configure, db):
    def setup(hops: int = 3, **extra):
        configure({"loop_guard": {"max_agent_hops": hops}, **extra})
        do_create_room(CreateRoomRequest(id="lab", members=["ada", "grace"]), "local")

    return setup


def test_after_n_agent_messages_the_rest_are_over_budget_and_one_pause_is_published(api, guarded, send):
    guarded(3)
    for index in range(5):
        assert send(room(), f"m{index}", sender="ada" if index % 2 else "grace").status_code == 202
    messages = history(api)
    assert [m.get("over_budget", False) for m in messages] == [False, False, False, True, True]
    assert "over_budget" not in messages[0]  # absent, not false: Go clients see the shape they know
    [paused] = events_of("conversation.paused")
    assert paused["conversation"] == {"kind": "room", "room_id": "lab", "hops": 4, "max_agent_hops": 3,
                                      "paused": True, "reason": "over_budget",
                                      "message_id": messages[3]["id"]}
    created = events_of("message.created")
    assert [bool(e["message"].get("over_budget")) for e in created] == [False, False, False, True, True]
    # The pause precedes the first over-budget message in the log.
    types = list(Event.objects.order_by("seq").values_list("type", flat=True))
    assert types.index("conversation.paused") == types.index("message.created") + 3


def test_a_retried_send_is_not_counted_twice(api, guarded, send):
    guarded(3)
    for index in range(3):
        assert send(room(), f"m{index}", id=f"msg_try_{index}").status_code == 202
        assert send(room(), f"m{index}", id=f"msg_try_{index}").status_code == 202  # the same id again
    assert [m.get("over_budget", False) for m in history(api)] == [False, False, False]
    assert events_of("conversation.paused") == []
    assert send(room(), "fourth").status_code == 202  # the fourth message, not the seventh send
    assert history(api)[-1]["over_budget"] is True


def test_a_human_message_resumes_and_resets_the_count(api, guarded, send):
    guarded(2)
    for _ in range(3):
        send(room(), "agent")
    human = api.post("/v1/messages", {"target": room(), "from": {"type": "human", "id": "operator"},
                                      "parts": text("stop it")})
    assert human.status_code == 202
    [resumed] = events_of("conversation.resumed")
    assert resumed["conversation"] == {"kind": "room", "room_id": "lab", "hops": 3, "paused": False,
                                       "reason": "human_message", "by": "operator"}
    send(room(), "again")
    send(room(), "and again")
    assert [m.get("over_budget", False) for m in history(api)] == [False, False, True, False, False, False]


def test_threads_and_dms_count_on_their_own(api, guarded, send):
    guarded(1)
    send(room(), "root")
    send(thread("t1"), "reply one")
    send(thread("t1"), "reply two")
    send(dm("dm_1"), "psst")
    send(dm("dm_1"), "psst again")
    assert [m.get("over_budget", False) for m in history(api)] == [False]
    assert [m.get("over_budget", False) for m in history(api, "/v1/threads/t1/messages")] == [False, True]
    assert [m.get("over_budget", False) for m in history(api, "/v1/dms/dm_1/messages")] == [False, True]
    paused = [e["conversation"] for e in events_of("conversation.paused")]
    assert [(c["kind"], c.get("thread_id") or c.get("dm_id"), c.get("room_id")) for c in paused] == \
        [("thread", "t1", "lab"), ("dm", "dm_1", None)]


def test_zero_turns_the_guard_off(api, guarded, send):
    guarded(0)
    for _ in range(30):
        send(room(), "chatter")
    assert not any(m.get("over_budget") for m in history(api))
    assert events_of("conversation.paused") == []


def test_the_default_budget_is_twenty(api, make_room, send):
    make_room("lab", members=["ada"])
    for _ in range(21):
        send(room(), "chatter")
    assert [m.get("over_budget", False) for m in history(api)].index(True) == 20


def test_an_operator_resumes_from_the_admin_api_and_sees_the_state(guarded, send, as_admin):
    guarded(1, **ADMIN)
    admin = as_admin
    send_as = admin.post
    for _ in range(3):
        assert send_as("/v1/messages", {"target": room(), "from": {"type": "agent", "id": "ada"},
                                        "parts": text("loop")}).status_code == 202
    state = admin.get("/v1/admin/loop_guard").json()
    assert state["max_agent_hops"] == 1
    assert state["conversations"] == [{"kind": "room", "room_id": "lab", "hops": 3, "max_agent_hops": 1,
                                       "paused": True}]
    resumed = admin.post("/v1/admin/conversations/room/lab/resume")
    assert resumed.status_code == 200 and resumed.json() == {"kind": "room", "id": "lab", "resumed": True}
    [event] = events_of("conversation.resumed")
    assert event["conversation"]["reason"] == "operator" and event["conversation"]["by"] == "token:admin"
    assert admin.get("/v1/admin/loop_guard").json()["conversations"] == []
    again = admin.post("/v1/admin/conversations/room/lab/resume")
    assert again.json()["resumed"] is False and len(events_of("conversation.resumed")) == 1
    audit = admin.get("/v1/audit/credentials?kind=loop_guard.resumed").json()["events"]
    assert [e["detail"] for e in audit] == ["room lab"]


def test_a_room_budget_overrides_the_network_budget(guarded, send, as_admin):
    guarded(20, **ADMIN)
    admin = as_admin
    set_budget = admin.request("PUT", "/v1/admin/rooms/lab/loop_guard", {"max_agent_hops": 1})
    assert set_budget.status_code == 200, set_budget.content
    assert set_budget.json() == {"room_id": "lab", "max_agent_hops": 1, "effective_max_agent_hops": 1}
    for _ in range(2):
        admin.post("/v1/messages", {"target": room(), "from": {"type": "agent", "id": "ada"}, "parts": text("x")})
    assert [m.get("over_budget", False) for m in history(admin)] == [False, True]
    back = admin.request("PUT", "/v1/admin/rooms/lab/loop_guard", {"max_agent_hops": None})
    assert back.json()["effective_max_agent_hops"] == 20


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/v1/admin/rooms/lab/loop_guard", {"max_agent_hops": -1}, 422),
    ("/v1/admin/rooms/lab/loop_guard", {"max_agent_hops": 10_001}, 422),
    ("/v1/admin/rooms/lab/loop_guard", {"max_agent_hops": "many"}, 400),
    ("/v1/admin/rooms/nope/loop_guard", {"max_agent_hops": 3}, 404),
])
def test_bad_room_budgets_get_the_error_envelope(guarded, as_admin, path, body, status):
    guarded(3, **ADMIN)
    response = as_admin.request("PUT", path, body)
    assert response.status_code == status, response.content
    assert response.json()["error"]


@pytest.mark.parametrize(("path", "status"), [
    ("/v1/admin/conversations/channel/lab/resume", 422),
    ("/v1/admin/conversations/room/nope/resume", 404),
    ("/v1/admin/conversations/thread/nope/resume", 404),
    ("/v1/admin/conversations/dm/nope/resume", 404),
])
def test_bad_resumes_get_the_error_envelope(guarded, as_admin, path, status):
    guarded(3, **ADMIN)
    response = as_admin.post(path)
    assert response.status_code == status, response.content


def test_loop_guard_routes_need_the_admin_scope(guarded, api):
    guarded(3, **ADMIN)
    assert api.get("/v1/admin/loop_guard").status_code == 401
    assert api.post("/v1/admin/conversations/room/lab/resume").status_code == 401


def test_declared_rooms_set_their_budget_at_start_up(configure, db, api):
    configure({"rooms": [{"id": "lab", "members": ["ada"], "loop_guard": {"max_agent_hops": 2}}]}, declared=True)
    for _ in range(3):
        api.post("/v1/messages", {"target": room(), "from": {"type": "agent", "id": "ada"}, "parts": text("x")})
    assert [m.get("over_budget", False) for m in history(api)] == [False, False, True]


def test_raising_the_budget_of_a_paused_room_resumes_it_with_the_next_message(guarded, send, as_admin):
    guarded(1, **ADMIN)
    for _ in range(2):
        as_admin.post("/v1/messages", {"target": room(), "from": {"type": "agent", "id": "ada"}, "parts": text("x")})
    assert events_of("conversation.paused")
    as_admin.request("PUT", "/v1/admin/rooms/lab/loop_guard", {"max_agent_hops": 10})
    as_admin.post("/v1/messages", {"target": room(), "from": {"type": "agent", "id": "ada"}, "parts": text("y")})
    [resumed] = events_of("conversation.resumed")
    assert resumed["conversation"] == {"kind": "room", "room_id": "lab", "hops": 3, "max_agent_hops": 10,
                                       "paused": False, "reason": "budget_raised"}
    assert [m.get("over_budget", False) for m in history(as_admin)] == [False, True, False]
    assert as_admin.get("/v1/admin/loop_guard").json()["conversations"][0]["paused"] is False


def test_the_status_lists_paused_conversations_first(guarded, send, as_admin):
    guarded(2, **ADMIN)
    for thread_id, count in (("t-busy", 2), ("t-paused", 3), ("t-quiet", 1)):
        for _ in range(count):
            as_admin.post("/v1/messages", {"target": thread(thread_id), "from": {"type": "agent", "id": "ada"},
                                           "parts": text("x")})
    listed = as_admin.get("/v1/admin/loop_guard").json()["conversations"]
    assert [(c["thread_id"], c["hops"], c["paused"]) for c in listed] == \
        [("t-paused", 3, True), ("t-busy", 2, False), ("t-quiet", 1, False)]
