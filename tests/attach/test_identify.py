"""IDENTIFY validation, registration and attachment slots (docs/protocol/attach.md §7–§9, §18 items 2–6), in-process."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.attachclient import VERSION
from tests.support.inprocess import Session, error_and_close

# In-process (Channels' WebsocketCommunicator on AttachConsumer), on the live tests' networks.
pytestmark = pytest.mark.django_db(transaction=True)


async def identify_error(frame: dict | str, token: str | None = None) -> str:
    att = await Session.open(token)
    await att.send(frame)
    return await error_and_close(att)


def frame(**overrides) -> dict:
    base = {"op": "IDENTIFY", "version": VERSION, "network_id": "lab", "agent": {"id": "luna"}}
    return {**base, **overrides}


@pytest.mark.parametrize(("sent", "error"), [
    (frame(op="PING"), "expected IDENTIFY frame"),
    (frame(op="identify"), "expected IDENTIFY frame"),
    (frame(version=" "), "attachment IDENTIFY version is required"),
    (frame(version="moltnet.attach.v2"),
     'attachment IDENTIFY version "moltnet.attach.v2" does not match "moltnet.attach.v1"'),
    (frame(network_id="Lab"), 'attachment network_id "Lab" does not match "lab"'),
    (frame(network_id="a\tb"), 'attachment network_id "a\\tb" does not match "lab"'),
    (frame(agent=None), "attachment agent.id is required"),
    (frame(agent={"id": "  "}), "attachment agent.id is required"),
    (frame(agent={"id": "x" * 129}), "attachment agent.id id must be 128 characters or fewer"),
    (frame(agent={"id": "bad id"}), "attachment agent.id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ('{"op":5}', "attachment frame must be valid JSON"),
    ("[1,2]", "attachment frame must be valid JSON"),
])
async def test_identify_errors(none_network, sent, error):
    assert await identify_error(sent) == error


async def test_field_names_match_case_insensitively(none_network):
    att = await Session.open()
    await att.send({"OP": "IDENTIFY", "Version": VERSION, "network_id": "lab", "AGENT": {"ID": "casey"}})
    ready = await att.recv()
    assert (ready["op"], ready["agent_id"]) == ("READY", "casey")
    await att.close()


async def test_ready_carries_the_registration(none_network):
    att = await Session.open()
    ready = await att.identify("orion", name="Orion")
    assert ready["op"] == "READY" and ready["version"] == VERSION and ready["capabilities"] == {}
    assert ready["network_id"] == "lab" and ready["agent_id"] == "orion"
    assert ready["actor_uri"] == "molt://lab/agents/orion" and ready["actor_uid"].startswith("actor_")
    assert "agent_token" not in ready
    await att.close()
    # The slot is released once the server has torn the old session down (right after the close).
    for _ in range(50):
        again = await Session.open()
        reply = await again.identify("orion")
        await again.close()
        if reply["op"] == "READY":
            break
        await asyncio.sleep(0.1)
    assert reply["actor_uid"] == ready["actor_uid"]


async def test_second_anonymous_socket_is_refused_in_mode_none(none_network):
    first = await Session.open()
    assert (await first.identify("solo"))["op"] == "READY"
    second = await Session.open()
    await second.send(frame(agent={"id": "solo"}))
    assert await error_and_close(second) == ('agent "solo" already has an active attachment; '
                                       "attach with an actor credential to reconnect")
    await first.close()


async def test_open_registration_first_claim_and_reconnects(open_network):
    first = await Session.open()
    ready = await first.identify("nova", name="Nova")
    token = ready["agent_token"]
    assert token.startswith("magt_v1_") and len(token) == 51
    await first.close()

    anonymous = await Session.open()
    await anonymous.send(frame(agent={"id": "nova"}))
    assert await error_and_close(anonymous) == 'agent "nova" requires its agent token'

    with_token = await Session.open(token)
    ready = await with_token.identify("nova")
    assert ready["op"] == "READY" and "agent_token" not in ready
    # The same credential may hold several sockets for one agent.
    twin = await Session.open(token)
    assert (await twin.identify("nova"))["op"] == "READY"

    other = await Session.open(token)
    await other.send(frame(agent={"id": "someone-else"}))
    assert await error_and_close(other) == 'attachment agent.id "someone-else" is not allowed for this token'
    await with_token.close()
    await twin.close()


async def test_token_allowlist_and_different_credentials(open_network):
    pinned = await Session.open("pinned-secret")
    await pinned.send(frame(agent={"id": "luna"}))
    assert await error_and_close(pinned) == 'attachment agent.id "luna" is not allowed for this token'

    ops = await Session.open("ops-secret")
    assert (await ops.identify("pinned"))["op"] == "READY"  # admin+attach acts as the owner
    owner = await Session.open("pinned-secret")
    assert (await owner.identify("pinned"))["op"] == "READY"  # shares the owner's slot
    await ops.close()
    await owner.close()


async def test_a_non_identify_first_frame_never_registers(none_network):
    att = await Session.open()
    await att.send({"op": "PING", "version": VERSION})
    assert await error_and_close(att) == "expected IDENTIFY frame"
