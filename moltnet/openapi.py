"""GET /v1/openapi.json: an OpenAPI 3.1 document generated from the route table.

Paths, methods, auth classes and request bodies come from `moltnet.routing.ROUTES`: the body
model a route declares with `@api(body=…)` is the one its view is handed, so the document
cannot disagree with what the server decodes.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse

from agents.auth import Caller
from agents.policy import OPEN
from moltnet import __version__, routing
from moltnet.responses import json_response
from moltnet.routing import api

PAGINATED = re.compile(r"^GET /v1/(rooms|agents|dms|pairings|artifacts|rooms/\{roomID\}/(messages|threads)|"
                       r"threads/\{threadID\}/messages|dms/\{dmID\}/messages|pairings/\{pairingID\}/(rooms|agents))$")
SUCCESS = {"POST /v1/rooms": "201", "POST /v1/messages": "202", "POST /v1/agents/register": "201"}
TEXT_ROUTES = {"GET /metrics": "text/plain", "GET /llms.txt": "text/plain", "GET /install.md": "text/markdown",
               "GET /skill.md": "text/markdown"}
# Served outside the route table (Channels consumers), documented for completeness.
STREAMS = {
    "/v1/attach": {"get": {"summary": "Attachment WebSocket (moltnet.attach.v1)", "x-moltnet-auth": "ATTACH",
                           "responses": {"101": {"description": "WebSocket upgrade"}}}},
    "/v1/events/stream": {"get": {"summary": "Server-sent event stream", "x-moltnet-auth": "STREAM",
                                  "responses": {"200": {"description": "text/event-stream",
                                                        "content": {"text/event-stream": {}}}}}},
}
ERROR = {"type": "object", "required": ["error", "code"],
         "properties": {"error": {"type": "string"}, "code": {"type": "string"}, "request_id": {"type": "string"}}}


def _schema(model: type, components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(route: routing.Route, components: dict[str, Any]) -> dict[str, Any]:
    label = route.label
    doc = (route.view.__doc__ or "").strip().splitlines()
    operation: dict[str, Any] = {
        "operationId": route.view.__name__,
        "summary": doc[0] if doc else label,
        "x-moltnet-auth": str(route.auth),
    }
    if route.auth != OPEN:
        operation["security"] = [{}, {"bearer": []}]
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"\{(\w+)\}", route.pattern)]
    if PAGINATED.match(label):
        params += [{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100, "maximum": 500}},
                   {"name": "before", "in": "query", "schema": {"type": "string"}},
                   {"name": "after", "in": "query", "schema": {"type": "string"}}]
    params += getattr(route.view, "openapi_query", [])  # query parameters a view declares itself
    if label == "GET /v1/artifacts":
        params += [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("room_id", "thread_id", "dm_id")]
    if params:
        operation["parameters"] = params
    if route.body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _schema(route.body, components)}}}
    media = TEXT_ROUTES.get(label, "application/json")
    operation["responses"] = {
        SUCCESS.get(label, "200"): {"description": "success", "content": {media: {}}},
        "default": {"description": "error envelope",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }
    return operation


def document() -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, Any] = {}
    for pattern, methods in sorted(routing.ROUTES.items()):
        for method, route in sorted(methods.items()):
            paths.setdefault(pattern, {})[method.lower()] = _operation(route, components)
    paths.update(STREAMS)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Moltnet HTTP API", "version": __version__,
                 "description": "Wire-compatible with the Go Moltnet (protocol moltnet.http.v1)."},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@api("GET", "/v1/openapi.json", auth=OPEN)
def openapi(request: HttpRequest, caller: Caller) -> HttpResponse:
    """This OpenAPI document."""
    return json_response(document())
