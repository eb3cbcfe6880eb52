"""Common HTTP behaviour: request ids, the error envelope, 404/405, HEAD, the catch-all, 500s
(docs/protocol/http-api.md §1)."""

import pytest
from django.db import connection


def test_request_id_is_generated(api):
    response = api.get("/healthz")
    assert response["X-Request-Id"].startswith("req_") and len(response["X-Request-Id"]) == 20


@pytest.mark.parametrize(("given", "kept"), [(" abc.DEF:1-2_3 ", "abc.DEF:1-2_3"), ("x" * 128, "x" * 128)])
def test_a_valid_incoming_request_id_is_kept(api, given, kept):
    assert api.get("/healthz", **{"X-Request-Id": given})["X-Request-Id"] == kept


@pytest.mark.parametrize("given", ["x" * 129, "bad id", "semi;colon", ""])
def test_an_invalid_incoming_request_id_is_replaced(api, given):
    assert api.get("/healthz", **{"X-Request-Id": given})["X-Request-Id"].startswith("req_")


def test_error_bodies_carry_the_request_id(api):
    response = api.get("/v1/rooms/nope", **{"X-Request-Id": "trace-1"})
    assert response.json() == {"error": 'unknown room "nope"', "code": "not_found", "request_id": "trace-1"}


@pytest.mark.parametrize("path", ["/v1/nope", "/v1", "/v1/rooms/", "/v1/rooms/a/b"])
def test_unknown_api_path_is_a_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/", "/anything/else", "/favicon.ico"])
def test_other_unknown_get_paths_redirect_to_the_console(api, path):
    response = api.get(path)
    assert (response.status_code, response["Location"]) == (307, "/console/")


def test_wrong_method_is_405_with_allow(api):
    response = api.request("PUT", "/v1/rooms")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert response.json()["error"] == "method not allowed"
    assert response["X-Request-Id"]
    assert api.request("OPTIONS", "/v1/rooms/lab")["Allow"] == "DELETE, GET, HEAD"
    assert api.request("POST", "/v1/messages/x")["Allow"] == "GET, HEAD"


def test_no_cors_headers(api):
    response = api.request("OPTIONS", "/v1/network", Origin="http://evil.example")
    assert response.status_code == 405
    assert not [h for h in response.headers if h.lower().startswith("access-control")]


def test_head_on_every_get_route_has_no_body(api):
    api.post("/v1/rooms", {"id": "lab"})
    for path in ("/healthz", "/v1/network", "/v1/rooms", "/v1/rooms/lab/messages", "/metrics"):
        response = api.request("HEAD", path)
        assert (response.status_code, response.content) == (200, b""), path


def test_authentication_runs_before_the_body_is_read(api, configure):
    configure({"auth": {"mode": "bearer", "tokens": [{"value": "t", "scopes": ["admin"]}]}})
    response = api.request("POST", "/v1/rooms", raw="{not json")
    assert response.status_code == 401


def test_server_errors_never_leak_details(api, db):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE room_members")  # rolled back with the test transaction
    response = api.post("/v1/rooms", {"id": "lab", "members": ["ada"]})
    assert response.status_code == 500
    assert response.json() == {"error": "internal server error", "code": "internal_error",
                               "request_id": response["X-Request-Id"]}


@pytest.mark.parametrize(("path", "location"), [("/./v1/rooms", "/v1/rooms"), ("/v1/./rooms/../network", "/v1/network"),
                                                ("/v1//rooms/", "/v1/rooms/")])
def test_non_canonical_paths_redirect_permanently_to_the_clean_path(api, path, location):
    for method in ("GET", "POST"):
        response = api.request(method, path)
        assert (response.status_code, response["Location"]) == (301, location)


def test_a_path_is_served_by_whichever_pattern_declares_the_method(api):
    # POST /v1/agents/register must not hide GET/DELETE /v1/agents/{agentID} for an agent named "register".
    missing = api.get("/v1/agents/register")
    assert (missing.status_code, missing.json()["error"]) == (404, 'unknown agent "register"')
    assert api.post("/v1/agents/register", {"requested_agent_id": "register"}).status_code == 201
    assert api.get("/v1/agents/register").json()["id"] == "register"
    assert api.request("HEAD", "/v1/agents/register").status_code == 200
    assert api.delete("/v1/agents/register").json() == {"removed": True, "kind": "agent", "id": "register",
                                                        "mode": "soft"}
    response = api.request("PUT", "/v1/agents/register")
    assert response.status_code == 405
    assert response["Allow"] == "DELETE, GET, HEAD, POST"


@pytest.mark.parametrize(("path", "location"), [("/v1/rooms/./messages", "/v1/rooms/messages"),
                                                ("/v1/rooms/..", "/v1"),
                                                ("/v1/rooms/.", "/v1/rooms")])
def test_non_canonical_paths_redirect_even_when_a_route_would_match(api, path, location):
    api.post("/v1/rooms", {"id": "lab"})
    for method in ("GET", "DELETE"):
        response = api.request(method, path + "?limit=1")
        assert (response.status_code, response["Location"]) == (301, location + "?limit=1")
    assert api.get("/v1/rooms/lab").status_code == 200  # nothing was deleted


@pytest.mark.parametrize(("raw", "error"), [
    ('{"id": "lab"} {', "expected a single JSON object"),  # Go reads one more token: any value start counts
    ('{"id": "lab"} [1', "expected a single JSON object"),
    ('{"id": "lab"} "x"', "expected a single JSON object"),
    ('{"id": "lab"} x', "invalid character 'x' after top-level value"),
])
def test_trailing_data_after_the_body_is_400(api, raw, error):
    response = api.request("POST", "/v1/rooms", raw=raw)
    assert (response.status_code, response.json()["error"], response.json()["code"]) == (400, error, "bad_request")


def test_very_deep_nesting_is_a_400_not_a_500(api):
    raw = '{"id": "lab", "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = api.request("POST", "/v1/rooms", raw=raw)
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
