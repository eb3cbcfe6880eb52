"""IDENTIFY validation, registration and attachment slots (spec 05 §7–§9, §18 items 2–6)."""

from __future__ import annotations

import time

import pytest

from tests.support.attachclient import VERSION, Attachment, error_and_close

pytestmark = pytest.mark.live


def identify_error(server, frame: dict | str, token: str | None = None) -> str:
    att = Attachment(server.ws_url, token)
    att.send(frame)
    return error_and_close(att)


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
def test_identify_errors(none_server, sent, error):
    assert identify_error(none_server, sent) == error


def test_field_names_match_case_insensitively(none_server):
    att = Attachment(none_server.ws_url)
    att.send({"OP": "IDENTIFY", "Version": VERSION, "network_id": "lab", "AGENT": {"ID": "casey"}})
    ready = att.recv()
    assert (ready["op"], ready["agent_id"]) == ("READY", "casey")
    att.close()


def test_ready_carries_the_registration(none_server):
    att = Attachment(none_server.ws_url)
    ready = att.identify("orion", name="Orion")
    assert ready["op"] == "READY" and ready["version"] == VERSION and ready["capabilities"] == {}
    assert ready["network_id"] == "lab" and ready["agent_id"] == "orion"
    assert ready["actor_uri"] == "molt://lab/agents/orion" and ready["actor_uid"].startswith("actor_")
    assert "agent_token" not in ready
    att.close()
    # The slot is released once the server has torn the old session down (right after the close).
    for _ in range(50):
        again = Attachment(none_server.ws_url)
        reply = again.identify("orion")
        again.close()
        if reply["op"] == "READY":
            break
        time.sleep(0.1)
    assert reply["actor_uid"] == ready["actor_uid"]


def test_second_anonymous_socket_is_refused_in_mode_none(none_server):
    first = Attachment(none_server.ws_url)
    assert first.identify("solo")["op"] == "READY"
    second = Attachment(none_server.ws_url)
    second.send(frame(agent={"id": "solo"}))
    assert error_and_close(second) == ('agent "solo" already has an active attachment; '
                                       "attach with an actor credential to reconnect")
    first.close()


def test_open_registration_first_claim_and_reconnects(open_server):
    first = Attachment(open_server.ws_url)
    ready = first.identify("nova", name="Nova")
    token = ready["agent_token"]
    assert token.startswith("magt_v1_") and len(token) == 51
    first.close()

    anonymous = Attachment(open_server.ws_url)
    anonymous.send(frame(agent={"id": "nova"}))
    assert error_and_close(anonymous) == 'agent "nova" requires its agent token'

    with_token = Attachment(open_server.ws_url, token)
    ready = with_token.identify("nova")
    assert ready["op"] == "READY" and "agent_token" not in ready
    # The same credential may hold several sockets for one agent.
    twin = Attachment(open_server.ws_url, token)
    assert twin.identify("nova")["op"] == "READY"

    other = Attachment(open_server.ws_url, token)
    other.send(frame(agent={"id": "someone-else"}))
    assert error_and_close(other) == 'attachment agent.id "someone-else" is not allowed for this token'
    with_token.close()
    twin.close()


def test_token_allowlist_and_different_credentials(open_server):
    pinned = Attachment(open_server.ws_url, "pinned-secret")
    pinned.send(frame(agent={"id": "luna"}))
    assert error_and_close(pinned) == 'attachment agent.id "luna" is not allowed for this token'

    ops = Attachment(open_server.ws_url, "ops-secret")
    assert ops.identify("pinned")["op"] == "READY"  # admin+attach acts as the owner
    owner = Attachment(open_server.ws_url, "pinned-secret")
    assert owner.identify("pinned")["op"] == "READY"  # shares the owner's slot
    ops.close()
    owner.close()


def test_a_non_identify_first_frame_never_registers(none_server):
    att = Attachment(none_server.ws_url)
    att.send({"op": "PING", "version": VERSION})
    assert error_and_close(att) == "expected IDENTIFY frame"
