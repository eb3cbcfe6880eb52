"""Where credentials come from and how refusals read (docs/protocol/auth.md §2, §4.2)."""

from __future__ import annotations

from django.test import Client

from agents.models import AgentRegistration
from tests.support.agents import SECRET, auth


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "") if response.status_code >= 400 else ""


def test_authorization_header_must_start_with_capital_bearer(configure, db):
    configure(auth("bearer"))
    client = Client()
    for header in ("bearer observe-secret", "Token observe-secret", "Bearer", "Bearer   ", "Basic abc"):
        response = client.get("/v1/rooms", headers={"Authorization": header})
        assert error_of(response) == (401, "invalid authorization header"), header
    ok = client.get("/v1/rooms", headers={"Authorization": "  Bearer   observe-secret  "})
    assert ok.status_code == 200  # header and token are trimmed


def test_401_versus_403_texts(configure, db):
    configure(auth("bearer"))
    client = Client()
    assert error_of(client.get("/v1/rooms")) == (401, "authorization required")
    assert error_of(client.get("/v1/rooms", headers={"Authorization": "Bearer nope"})) == (401, "invalid token")
    assert error_of(client.get("/v1/rooms", headers={"Authorization": "Bearer write-secret"})) == (403, "forbidden")
    body = client.get("/v1/rooms").json()
    assert body["code"] == "unauthorized" and body["request_id"].startswith("req_")


def test_invalid_credentials_never_fall_back_to_anonymous(configure, db):
    configure(auth("open"))
    client = Client()
    assert client.get("/v1/rooms").status_code == 200  # anonymous is fine
    assert error_of(client.get("/v1/rooms", headers={"Authorization": "Bearer nope"})) == (401, "invalid token")
    client.cookies["moltnet_auth"] = "nope"
    assert error_of(client.get("/v1/rooms")) == (401, "invalid token")


def test_cookie_authenticates_api_calls(configure, db):
    configure(auth("bearer"))
    client = Client()
    client.cookies["moltnet_auth"] = SECRET["observe"]
    assert client.get("/v1/rooms").status_code == 200


def test_malformed_header_wins_over_a_valid_cookie(configure, db):
    configure(auth("bearer"))
    client = Client()
    client.cookies["moltnet_auth"] = SECRET["observe"]
    response = client.get("/v1/rooms", headers={"Authorization": "Token x"})
    assert error_of(response) == (401, "invalid authorization header")


def test_query_token_is_ignored_outside_the_console(configure, db):
    configure(auth("bearer"))
    client = Client()
    assert error_of(client.get("/v1/rooms?access_token=observe-secret")) == (401, "authorization required")
    assert error_of(client.get("/metrics?access_token=admin-secret")) == (401, "authorization required")


def test_static_token_without_id_gets_a_hash_identity(configure, api):
    configure({"auth": {"mode": "bearer", "agent_registration": "token",
                        "tokens": [{"value": "dev-secret", "scopes": ["attach"]}]}})
    response = api.with_token("dev-secret").post("/v1/agents/register", {"requested_agent_id": "luna"})
    assert response.status_code == 201
    assert AgentRegistration.objects.get(agent_id="luna").credential_key == "token:tok_298754db2dbab6ec"


def test_tokens_are_ignored_in_mode_none(configure, db):
    configure({"auth": {"mode": "none", "tokens": [{"id": "x", "value": "whatever", "scopes": ["observe"]}]}})
    client = Client()
    # Every request is privileged; headers (even malformed ones) are not read.
    assert client.get("/v1/dms", headers={"Authorization": "Token junk"}).status_code == 200
    assert client.get("/metrics").status_code == 200


def test_health_ignores_headers_unless_public_read(configure, db):
    configure(auth("bearer"))
    assert Client().get("/healthz", headers={"Authorization": "Bearer nope"}).status_code == 200
    configure(auth("bearer", public_read=True))
    assert error_of(Client().get("/healthz", headers={"Authorization": "Bearer nope"})) == (401, "invalid token")
    assert Client().get("/healthz").status_code == 200
