"""GET /v1/openapi.json: generated from the route table (OPEN auth)."""

from moltnet import routing


def test_every_declared_route_is_documented(api):
    response = api.get("/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"] == "3.1.0"
    declared = {(method.lower(), pattern) for pattern, methods in routing.ROUTES.items() for method in methods}
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert declared <= documented
    assert ("get", "/v1/attach") in documented and ("get", "/v1/events/stream") in documented


def test_request_bodies_come_from_the_models(api):
    doc = api.get("/v1/openapi.json").json()
    send = doc["paths"]["/v1/messages"]["post"]
    assert send["x-moltnet-auth"] == "REQ(write, pair)"
    assert send["responses"]["202"]
    ref = send["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"id", "origin", "target", "from", "parts", "mentions"} <= set(schema["properties"])
    assert "CreateRoomRequest" in doc["components"]["schemas"]
    assert "requestBody" in doc["paths"]["/v1/agents/register"]["post"]


def test_paginated_routes_document_the_page_params(api):
    doc = api.get("/v1/openapi.json").json()
    names = [p["name"] for p in doc["paths"]["/v1/rooms/{roomID}/messages"]["get"]["parameters"]]
    assert names == ["roomID", "limit", "before", "after"]


def test_it_is_open_even_when_auth_is_on(api, configure):
    configure({"auth": {"mode": "bearer", "tokens": [{"value": "t", "scopes": ["admin"]}]}})
    assert api.get("/v1/openapi.json").status_code == 200
    assert api.get("/v1/rooms").status_code == 401


def test_every_body_a_view_is_handed_is_the_documented_one(api):
    """@api(body=Model) is the only declaration: the view takes `body`, the document describes Model."""
    import inspect

    doc = api.get("/v1/openapi.json").json()
    for pattern, methods in routing.ROUTES.items():
        for method, route in methods.items():
            operation = doc["paths"][pattern][method.lower()]
            takes_body = "body" in inspect.signature(route.view).parameters
            assert takes_body == (route.body is not None), route.label
            if route.body is not None:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert ref == f"#/components/schemas/{route.body.__name__}", route.label
            else:
                assert "requestBody" not in operation, route.label
    assert doc["paths"]["/v1/apply"]["post"]["requestBody"]


def test_status_media_and_query_parameters_come_from_the_declarations(api):
    doc = api.get("/v1/openapi.json").json()
    assert set(doc["paths"]["/v1/rooms"]["post"]["responses"]) == {"201", "default"}
    assert set(doc["paths"]["/v1/agents/register"]["post"]["responses"]) == {"201", "default"}
    assert "text/plain" in doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert "text/markdown" in doc["paths"]["/skill.md"]["get"]["responses"]["200"]["content"]
    search = {p["name"]: p for p in doc["paths"]["/v1/search"]["get"]["parameters"]}
    assert search["q"]["required"] is True and search["room_id"]["required"] is False
    artifacts = [p["name"] for p in doc["paths"]["/v1/artifacts"]["get"]["parameters"]]
    assert artifacts == ["limit", "before", "after", "room_id", "thread_id", "dm_id"]
    paged = {(m, p) for p, ops in doc["paths"].items() for m, op in ops.items()
             if any(q["name"] == "before" and q["in"] == "query" for q in op.get("parameters", []))}
    declared = {(r.method.lower(), r.pattern) for ms in routing.ROUTES.values() for r in ms.values()
                if r.page or "before" in r.query}
    assert paged == declared and ("get", "/v1/pairings/{pairingID}/agents") in paged
