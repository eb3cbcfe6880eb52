"""Who may send as whom on POST /v1/messages: the decision list of docs/protocol/auth.md §7 and human senders of §8.

Rows reachable over HTTP are driven through the real endpoint; rows only reachable without a
credential on a REQ route (attachments use the same check) are driven through check_sender.
"""

from __future__ import annotations

import pytest

from agents.auth import Caller, Claims
from agents.identity import SenderFacts, check_sender
from moltnet.errors import ApiError
from tests.support.agents import auth, message

REMOTE = {"network_id": "remote", "message_id": "m1"}


@pytest.fixture
def lab(room_with):
    # Members cover every actor the accepting rows use, so the write policy never interferes.
    return room_with("lab", ["luna", "sol", "ada", "remote:x", "ghost"])


def send(client, body):
    response = client.post("/v1/messages", body)
    return response.status_code, response.json().get("error", "")


def refused(status: int, error: str):
    return status, error


# --- §7 rows over HTTP ---------------------------------------------------------------------------

def test_row1_pair_relay_with_an_inconsistent_actor(configure, as_token, lab):
    configure(auth("bearer"))
    body = message("x", origin=REMOTE, from_fields={"network_id": "elsewhere"})
    assert send(as_token("pair"), body) == refused(
        409, 'agent "remote origin actor" is already registered with different credentials')


def test_row3_pair_relay_with_a_consistent_actor_is_accepted(configure, as_token, lab):
    configure(auth("bearer"))
    body = message("x", origin=REMOTE, from_fields={"network_id": "remote"})
    assert send(as_token("pair"), body)[0] == 202


def test_row4_empty_sender_passes_identity_and_fails_validation(configure, as_token, lab):
    configure(auth("bearer"))
    assert send(as_token("write"), message("")) == (422, "from.id is required")


def test_row5_open_mode_refuses_remote_agents_without_pair(configure, as_token, lab):
    configure(auth("open"))
    assert send(as_token("write"), message("remote:x")) == (403, 'remote-origin agent "x" requires pair scope')


def test_row6_bearer_refuses_remote_agents_for_local_tokens(configure, as_token, lab):
    configure(auth("bearer"))
    assert send(as_token("write"), message("x", from_fields={"network_id": "remote"})) == (
        409, 'agent "x" is already registered with different credentials')


def test_row7a_pair_tokens_cannot_assert_local_agents(configure, as_token, lab):
    configure(auth("bearer"))
    assert send(as_token("pair"), message("luna")) == (403, "pair tokens cannot assert local agents")


def test_row7b_allowlists(configure, as_token, lab, registered):
    configure(auth("bearer"))
    assert send(as_token("luna-only"), message("sol")) == (403, 'agent "sol" is not allowed for this token')
    registered("luna", agent_token="magt_v1_luna-token")
    assert send(as_token("magt_v1_luna-token"), message("sol")) == (409, 'agent token is not valid for agent "sol"')


def test_row8_unregistered_ids(configure, as_token, lab):
    configure(auth("bearer"))
    assert send(as_token("write"), message("ghost"))[0] == 202  # bearer: any unregistered local id
    configure(auth("open"))
    assert send(as_token("write"), message("ghost")) == (401, 'agent "ghost" must be registered before sending')


def test_row9_mode_none_anonymous_registrations_are_shared(configure, as_token, lab, registered):
    configure({"auth": {"mode": "none"}})
    registered("luna", key="anonymous")
    assert send(as_token(None), message("luna"))[0] == 202


def test_row10_owner_sends_with_its_own_credential(configure, as_token, lab, registered):
    configure(auth("open"))
    registered("luna", agent_token="magt_v1_luna-token")
    registered("sol", key="token:write")
    assert send(as_token("magt_v1_luna-token"), message("luna"))[0] == 202
    assert send(as_token("write"), message("sol"))[0] == 202


def test_row11_admin_write_overrides_ownership(configure, as_token, lab, registered):
    configure(auth("bearer"))
    registered("luna", agent_token="magt_v1_luna-token")
    assert send(as_token("operator"), message("luna"))[0] == 202


def test_row14_someone_elses_agent(configure, as_token, lab, registered):
    configure(auth("bearer"))
    registered("luna", key="token:attach")
    taken = (409, 'agent "luna" is already registered with different credentials')
    assert send(as_token("write"), message("luna")) == taken
    configure({"auth": {"mode": "none"}})
    assert send(as_token(None), message("luna")) == taken


def test_refusals_quote_the_sender_id_like_go(configure, as_token, lab):
    """The id is unvalidated at this step; Go prints it with %q, escaping quotes and backslashes."""
    configure(auth("bearer"))
    assert send(as_token("luna-only"), message('lu"na')) == (403, 'agent "lu\\"na" is not allowed for this token')
    assert send(as_token("write"), message('remote:a\\b')) == (
        409, 'agent "a\\\\b" is already registered with different credentials')
    configure(auth("open"))
    assert send(as_token("write"), message("gh\tost")) == (401, 'agent "gh\\tost" must be registered before sending')


# --- §7 rows only reachable without a credential or with unusual claims -----------------------------

def facts(actor_id: str) -> SenderFacts:
    return SenderFacts("agent", actor_id, "", "", "")


def claims(*scopes: str, kind: str = "static", key: str = "token:t", allow: tuple[str, ...] = ()) -> Claims:
    return Claims(kind, frozenset(scopes), frozenset(allow), key)


def refusal(caller: Caller, actor: str) -> tuple[int, str]:
    with pytest.raises(ApiError) as info:
        check_sender(caller, facts(actor), "local")
    return info.value.status, info.value.message


def test_rows_9_10_12_13_at_the_service(db, registered):
    registered("luna", key="token:owner")
    open_anon = Caller(mode="open", public_read=True, registration="open")
    assert refusal(open_anon, "luna") == (401, 'agent "luna" requires its agent token')
    owner_without_write = Caller("open", True, "open", claims("attach", key="token:owner"))
    assert refusal(owner_without_write, "luna") == (403, 'agent "luna" requires write scope')
    stranger_agent = Caller("bearer", False, "disabled", claims("write", "attach", kind="agent", key="agent-token:x"))
    assert refusal(stranger_agent, "luna") == (409, 'agent token is not valid for agent "luna"')
    attach_only = Caller("open", True, "open", claims("attach", key="token:other"))
    assert refusal(attach_only, "luna") == (403, 'agent "luna" requires write scope')


# --- §8 human senders --------------------------------------------------------------------------

def test_human_ingress_gate(configure, as_token, lab):
    configure({**auth("bearer"), "server": {"human_ingress": False}})
    assert send(as_token("operator"), message("ada", sender_type="human")) == (
        403, "human ingress is disabled for this network")


def test_remote_humans_need_pair_even_in_mode_none(configure, as_token, lab):
    configure({"auth": {"mode": "none"}})
    body = message("ada", sender_type="human", origin=REMOTE)
    assert send(as_token(None), body) == (403, "remote-origin human sender requires pair scope")
    assert send(as_token(None), message("ada", sender_type="human"))[0] == 202


def test_humans_need_a_static_write_token(configure, as_token, lab, registered):
    configure(auth("bearer"))
    registered("luna", agent_token="magt_v1_luna-token")
    assert send(as_token("magt_v1_luna-token"), message("ada", sender_type="human")) == (
        403, "human ingress requires a static write token")
    assert send(as_token("write"), message("ada", sender_type="human"))[0] == 202
    relay = message("ada", sender_type="human", origin=REMOTE, from_fields={"network_id": "remote"})
    assert send(as_token("pair"), relay)[0] == 202  # remote human relayed by a pair token


def test_anonymous_human_at_the_service(db):
    caller = Caller("bearer", False, "disabled")
    with pytest.raises(ApiError) as info:
        check_sender(caller, SenderFacts("human", "ada", "", "", ""), "local")
    assert (info.value.status, info.value.message) == (401, "human ingress requires a write token")


def test_humans_are_subject_to_the_write_policy(configure, as_token, room_with):
    configure(auth("bearer"))
    room_with("lab", ["luna"])
    assert send(as_token("write"), message("ada", sender_type="human")) == (
        403, 'room "lab" write policy forbids sender')
    room_with("ops-room", [], write_policy="operators")
    assert send(as_token("write"), message("ada", "ops-room", sender_type="human"))[0] == 202
