"""POST /v1/agents/register: ids, slugs, ownership, allowlists and open-registration tokens (docs/protocol/auth.md §6,
docs/protocol/model.md §9)."""

from __future__ import annotations

import hashlib
import re

from agents.models import AgentRegistration
from tests.support.agents import auth


def register(client, **body):
    return client.post("/v1/agents/register", body)


def test_explicit_id_is_created_then_reconfirmed_with_the_same_credential(configure, as_token):
    configure(auth("bearer", agent_registration="token"))
    first = register(as_token("attach"), requested_agent_id=" luna ", name="Luna")
    assert first.status_code == 201
    body = first.json()
    assert body["agent_id"] == "luna" and body["actor_uri"] == "molt://local/agents/luna"
    assert body["display_name"] == "Luna" and "agent_token" not in body
    assert body["created_at"] == body["updated_at"]
    again = register(as_token("attach"), requested_agent_id="luna", name="Luna II")
    assert again.status_code == 200
    assert again.json()["actor_uid"] == body["actor_uid"] and again.json()["created_at"] == body["created_at"]
    assert again.json()["display_name"] == "Luna II"
    assert AgentRegistration.objects.get(agent_id="luna").credential_key == "token:attach"


def test_blank_name_keeps_the_display_name(configure, as_token):
    configure(auth("bearer", agent_registration="token"))
    register(as_token("attach"), requested_agent_id="luna", name="Luna")
    assert register(as_token("attach"), requested_agent_id="luna").json()["display_name"] == "Luna"


def test_generated_ids_follow_the_slug_examples(api):
    assert register(api, name="Director Prime").json()["agent_id"] == "director-prime"
    assert register(api, name="Díréctor Prime").json()["agent_id"] == "d-r-ctor-prime"
    assert register(api).json()["agent_id"] == "agent"
    assert register(api, name="  __Hello..World__ ").json()["agent_id"] == "hello-world"
    # Go lowercases with the simple case mapping: İ is i (Python's str.lower() gives i + U+0307).
    assert register(api, name="İstanbul Bot").json()["agent_id"] == "istanbul-bot"
    again = register(api, name="Director Prime").json()["agent_id"]
    assert re.fullmatch(r"director-prime-[0-9a-f]{8}", again)


def test_invalid_requested_id_is_422_and_stores_nothing(api):
    response = register(api, requested_agent_id="bad id!")
    assert response.status_code == 422
    assert response.json()["error"] == "requested_agent_id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
    scoped = register(api, requested_agent_id="net:bad id").json()["error"]
    assert scoped == "requested_agent_id agent id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
    assert not AgentRegistration.objects.exists()


def test_scoped_requested_id_is_kept_verbatim(api):
    assert register(api, requested_agent_id="net:alpha").json()["agent_id"] == "net:alpha"


def test_undecodable_body_is_400_after_auth(configure, as_token):
    configure(auth("bearer", agent_registration="token"))
    assert as_token("attach").post("/v1/agents/register", raw="{").status_code == 400
    assert as_token(None).post("/v1/agents/register", raw="{").status_code == 401


def test_a_different_credential_gets_409_and_admin_adopts(configure, as_token):
    configure(auth("bearer", agent_registration="token"))
    original = register(as_token("attach"), requested_agent_id="luna", name="Luna").json()
    clash = register(as_token("attach-b"), requested_agent_id="luna")
    assert clash.status_code == 409
    assert clash.json() == {**clash.json(), "error": 'agent "luna" is already registered with different credentials',
                            "code": "conflict"}
    adopted = register(as_token("admin"), requested_agent_id="luna", name="Renamed")
    assert adopted.status_code == 200
    assert adopted.json()["actor_uid"] == original["actor_uid"] and adopted.json()["display_name"] == "Renamed"
    assert AgentRegistration.objects.get(agent_id="luna").credential_key == "token:attach"


def test_static_allowlist_refuses_other_ids(configure, as_token):
    configure(auth("bearer", agent_registration="token"))
    refused = register(as_token("luna-only"), requested_agent_id="sol")
    assert refused.status_code == 403
    assert refused.json()["error"] == "requested_agent_id sol is not allowed for this token"
    assert register(as_token("luna-only"), requested_agent_id="luna").status_code == 201


def test_open_registration_mints_a_token_once_and_stores_only_its_digest(configure, as_token):
    configure(auth("open"))
    first = register(as_token(None), requested_agent_id="luna", name="Luna")
    assert first.status_code == 201
    token = first.json()["agent_token"]
    assert re.fullmatch(r"magt_v1_[A-Za-z0-9_-]{43}", token) and len(token) == 51
    stored = AgentRegistration.objects.get(agent_id="luna").credential_key
    assert stored == "agent-token:" + hashlib.sha256(token.encode()).hexdigest()
    # Re-registering with the issued token: 200, no new token.
    again = register(as_token(token), requested_agent_id="luna")
    assert again.status_code == 200 and "agent_token" not in again.json()
    # The first anonymous claim won; later anonymous claims are refused.
    second = register(as_token(None), requested_agent_id="luna")
    assert second.status_code == 409 and second.json()["error"] == 'agent "luna" is already registered'


def test_agent_token_is_bound_to_its_own_agent(configure, as_token):
    configure(auth("open"))
    token = register(as_token(None), requested_agent_id="luna").json()["agent_token"]
    other = register(as_token(token), requested_agent_id="sol")
    assert other.status_code == 409 and other.json()["error"] == 'agent token is not valid for agent "sol"'
    # It grants write/attach for luna only: no admin, no observe-only data.
    assert as_token(token).post("/v1/rooms", {"id": "x"}).status_code == 403
    assert as_token(token).get("/v1/dms").status_code == 403
    assert as_token(token).get("/metrics").status_code == 403


def test_bearer_with_open_registration_mints_for_anonymous_callers(configure, as_token):
    configure(auth("bearer", agent_registration="open"))
    response = register(as_token(None), requested_agent_id="luna")
    assert response.status_code == 201 and response.json()["agent_token"].startswith("magt_v1_")
    # A static attach token registers under its own key, without a minted token.
    owned = register(as_token("attach"), requested_agent_id="sol")
    assert owned.status_code == 201 and "agent_token" not in owned.json()
    assert AgentRegistration.objects.get(agent_id="sol").credential_key == "token:attach"


def test_mode_none_never_mints_and_reregisters_anonymously(configure, api):
    configure({"auth": {"mode": "none", "agent_registration": "open"}})
    first = register(api, requested_agent_id="luna")
    assert first.status_code == 201 and "agent_token" not in first.json()
    assert register(api, requested_agent_id="luna").status_code == 200
    assert AgentRegistration.objects.get(agent_id="luna").credential_key == "anonymous"


def test_mode_none_cannot_take_an_id_owned_by_a_token(configure, api, registered):
    configure({"auth": {"mode": "none"}})
    registered("luna", key="token:attach")
    response = register(api, requested_agent_id="luna")
    assert response.status_code == 409 and response.json()["error"] == 'agent "luna" is already registered'


def test_long_names_give_uncapped_slugs(configure, as_token):
    """docs/protocol/model.md §9.2: the slug is not length-capped (Go quirk), on every storage backend."""
    configure(auth("bearer", agent_registration="token"))
    response = register(as_token("attach"), name="Agent " * 80)
    assert response.status_code == 201
    assert response.json()["agent_id"] == "-".join(["agent"] * 80)
    assert AgentRegistration.objects.get(agent_id="-".join(["agent"] * 80)).credential_key == "token:attach"
