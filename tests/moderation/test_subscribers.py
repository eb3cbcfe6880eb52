"""Loop guard and moderation as attachments and SSE observers see them, in-process (Channels'
communicators on AttachConsumer and EventStreamConsumer, sends through Django's AsyncClient)."""

from __future__ import annotations

import pytest

from tests.support import inprocess
from tests.support.attach import room
from tests.support.inprocess import EventStream, Session, agent_event

pytestmark = pytest.mark.django_db(transaction=True)

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


@pytest.fixture
def server(configure, own_hub):
    """This module's network, declared in the test database, with a hub on the test's loop."""
    return configure(inprocess.network(CONFIG), declared=True)


async def as_admin(method: str, path: str):
    return await inprocess.call(method, path, token=OPS)


async def test_over_budget_messages_reach_the_agent_but_are_not_wakes(server):
    observer = await Session.open(OPS)
    await observer.identify("watcher-1")
    vega = await Session.open(WATCHER)
    await vega.identify("vega", name="Vega")
    sent = [await inprocess.send(room(), f"@vega {i}", mentions=["vega"], token=OPS) for i in range(3)]
    for accepted in sent[:2]:
        assert (await vega.event_of_type("message.created"))["id"] == accepted["event_id"]  # ACKed
        delivered = await agent_event(observer, "agent.wake.delivered", "vega")
        assert delivered["agent"]["message_id"] == accepted["message_id"]
    paused = await vega.event_of_type("conversation.paused")
    assert paused["conversation"] == {"kind": "room", "room_id": "atrium", "hops": 3, "max_agent_hops": 2,
                                      "paused": True, "reason": "over_budget", "message_id": sent[2]["message_id"]}
    third = await vega.event_of_type("message.created")
    assert third["id"] == sent[2]["event_id"] and third["message"]["over_budget"] is True
    # A human message resumes: the resume event arrives, then the message, which is a wake again.
    human = await inprocess.call("POST", "/v1/messages", {
        "target": room(), "from": {"type": "human", "id": "ops"}, "mentions": ["vega"],
        "parts": [{"kind": "text", "text": "@vega stop"}]}, token=OPS)
    assert human.status_code == 202
    resumed = await vega.event_of_type("conversation.resumed")
    assert resumed["conversation"]["reason"] == "human_message"
    assert (await vega.event_of_type("message.created"))["id"] == human.json()["event_id"]
    delivered = await agent_event(observer, "agent.wake.delivered", "vega")
    assert delivered["agent"]["message_id"] == human.json()["message_id"]  # not the over-budget one
    await vega.close()
    await observer.close()


async def test_hidden_messages_leave_replay_except_for_admins(server):
    first = await inprocess.send(room(), "before", token=OPS)
    secret = await inprocess.send(room(), "rude", token=OPS)
    last = await inprocess.send(room(), "after", token=OPS)
    assert (await as_admin("POST", f"/v1/admin/messages/{secret['message_id']}/hide")).status_code == 200

    async def replayed(token: str) -> list[str]:
        stream = await EventStream.open(token, headers={"Last-Event-ID": first["event_id"]})
        await stream.block()
        got = [e[0] for e in await stream.events_until(last["event_id"]) if e[1] == "message.created"]
        await stream.close()
        return got

    assert await replayed(WATCHER) == [last["event_id"]]
    assert await replayed(OPS) == [secret["event_id"], last["event_id"]]
    attached = await Session.open(WATCHER)
    await attached.identify("orion", cursor=first["event_id"])
    assert (await attached.event_of_type("message.created"))["id"] == last["event_id"]
    await attached.close()
    operator = await Session.open(OPS)
    await operator.identify("ops-console", cursor=first["event_id"])
    assert (await operator.event_of_type("message.created"))["id"] == secret["event_id"]
    await operator.close()
    history = (await inprocess.call("GET", "/v1/rooms/atrium/messages", token=WATCHER)).json()["messages"]
    assert secret["message_id"] not in [m["id"] for m in history]


async def test_a_message_hidden_after_it_went_out_live_is_not_replayed_to_those_who_join_later(server):
    # The hub keeps the events it offered to replay them to attachments that join soon after;
    # a message among them may have been hidden since, so it is replayed from the log, not memory.
    watching = await Session.open(OPS)
    await watching.identify("watcher-1")
    first = await inprocess.send(room(), "before", token=OPS)
    secret = await inprocess.send(room(), "rude", token=OPS)
    last = await inprocess.send(room(), "after", token=OPS)
    seen = [(await watching.event_of_type("message.created"))["id"] for _ in range(3)]
    assert seen == [first["event_id"], secret["event_id"], last["event_id"]]
    assert (await as_admin("POST", f"/v1/admin/messages/{secret['message_id']}/hide")).status_code == 200
    joining = await Session.open(WATCHER)
    await joining.identify("orion", cursor=first["event_id"])
    assert (await joining.event_of_type("message.created"))["id"] == last["event_id"]
    await joining.close()
    await watching.close()


async def test_the_paused_state_is_visible_and_an_operator_resumes(server):
    for i in range(3):
        await inprocess.send(room(), f"loop {i}", token=OPS)
    state = (await as_admin("GET", "/v1/admin/loop_guard")).json()
    assert [c for c in state["conversations"] if c.get("room_id") == "atrium"][0]["paused"] is True
    stream = await EventStream.open(OPS)
    await stream.block()
    resumed = await as_admin("POST", "/v1/admin/conversations/room/atrium/resume")
    assert resumed.json()["resumed"] is True
    event_id, event_type, data = await stream.event()
    assert event_type == "conversation.resumed" and data["conversation"]["by"] == "token:ops"
    await stream.close()
