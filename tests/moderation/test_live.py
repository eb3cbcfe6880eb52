"""Loop guard and moderation against a real `moltnet start`: what an attachment and an SSE observer see."""

from __future__ import annotations

import httpx
import pytest

from tests.support.attach import agent_event, room, send, start_live
from tests.support.attachclient import Attachment
from tests.support.sse import Stream

pytestmark = pytest.mark.live

CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
auth:
  mode: bearer
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, observe, write, attach]}
    - {id: watcher, value: watch-secret, scopes: [observe, write, attach]}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
loop_guard: {max_agent_hops: 2}
rooms:
  - {id: atrium, name: Atrium, members: [vega, orion]}
"""
OPS, WATCHER = "ops-secret", "watch-secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_live(tmp_path_factory, CONFIG, "moderation")
    yield live
    live.stop()


def admin(server, method: str, path: str) -> httpx.Response:
    return httpx.request(method, server.base_url + path, headers={"Authorization": f"Bearer {OPS}"}, timeout=10)


def test_over_budget_messages_reach_the_agent_but_are_not_wakes(server):
    observer = Attachment(server.ws_url, OPS)
    observer.identify("watcher-1")
    vega = Attachment(server.ws_url, WATCHER)
    vega.identify("vega", name="Vega")
    sent = [send(server, room(), f"@vega {i}", mentions=["vega"], token=OPS) for i in range(3)]
    for accepted in sent[:2]:
        assert vega.event_of_type("message.created")["id"] == accepted["event_id"]  # ACKed
        assert agent_event(observer, "agent.wake.delivered", "vega")["agent"]["message_id"] == accepted["message_id"]
    paused = vega.event_of_type("conversation.paused")
    assert paused["conversation"] == {"kind": "room", "room_id": "atrium", "hops": 3, "max_agent_hops": 2,
                                      "paused": True, "reason": "over_budget", "message_id": sent[2]["message_id"]}
    third = vega.event_of_type("message.created")
    assert third["id"] == sent[2]["event_id"] and third["message"]["over_budget"] is True
    # A human message resumes: the resume event arrives, then the message, which is a wake again.
    human = httpx.post(server.base_url + "/v1/messages", headers={"Authorization": f"Bearer {OPS}"}, timeout=10,
                       json={"target": room(), "from": {"type": "human", "id": "ops"}, "mentions": ["vega"],
                             "parts": [{"kind": "text", "text": "@vega stop"}]})
    assert human.status_code == 202
    resumed = vega.event_of_type("conversation.resumed")
    assert resumed["conversation"]["reason"] == "human_message"
    assert vega.event_of_type("message.created")["id"] == human.json()["event_id"]
    delivered = agent_event(observer, "agent.wake.delivered", "vega")
    assert delivered["agent"]["message_id"] == human.json()["message_id"]  # not the over-budget one
    vega.close()
    observer.close()


def test_hidden_messages_leave_replay_except_for_admins(server):
    first = send(server, room(), "before", token=OPS)
    secret = send(server, room(), "rude", token=OPS)
    last = send(server, room(), "after", token=OPS)
    assert admin(server, "POST", f"/v1/admin/messages/{secret['message_id']}/hide").status_code == 200

    def replayed(token: str) -> list[str]:
        stream = Stream(server.base_url, token, headers={"Last-Event-ID": first["event_id"]})
        stream.block()
        got = [e[0] for e in stream.events_until(last["event_id"]) if e[1] == "message.created"]
        stream.close()
        return got

    assert replayed(WATCHER) == [last["event_id"]]
    assert replayed(OPS) == [secret["event_id"], last["event_id"]]
    attached = Attachment(server.ws_url, WATCHER)
    attached.identify("orion", cursor=first["event_id"])
    assert attached.event_of_type("message.created")["id"] == last["event_id"]
    attached.close()
    operator = Attachment(server.ws_url, OPS)
    operator.identify("ops-console", cursor=first["event_id"])
    assert operator.event_of_type("message.created")["id"] == secret["event_id"]
    operator.close()
    history = httpx.get(server.base_url + "/v1/rooms/atrium/messages", timeout=10,
                        headers={"Authorization": f"Bearer {WATCHER}"}).json()["messages"]
    assert secret["message_id"] not in [m["id"] for m in history]


def test_the_paused_state_is_visible_and_an_operator_resumes(server):
    for i in range(3):
        send(server, room(), f"loop {i}", token=OPS)
    state = admin(server, "GET", "/v1/admin/loop_guard").json()
    assert [c for c in state["conversations"] if c.get("room_id") == "atrium"][0]["paused"] is True
    stream = Stream(server.base_url, OPS)
    stream.block()
    resumed = admin(server, "POST", "/v1/admin/conversations/room/atrium/resume")
    assert resumed.json()["resumed"] is True
    event_id, event_type, data = stream.event()
    assert event_type == "conversation.resumed" and data["conversation"]["by"] == "token:ops"
    stream.close()
