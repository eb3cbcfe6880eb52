"""GET /v1/openapi.json: an OpenAPI 3.1 document generated from the route table.

Everything about a route comes from its `@api(...)` declaration in `moltnet.routing.ROUTES`
(method, path, auth class, body model, success status, page and query parameters, media type):
the body model is the one its view is handed, so the document cannot disagree with what the
server decodes, and there is no per-route table here to forget.
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
    if route.page:
        params += [{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100, "maximum": 500}},
                   {"name": "before", "in": "query", "schema": {"type": "string"}},
                   {"name": "after", "in": "query", "schema": {"type": "string"}}]
    params += [{"name": name, "in": "query", "required": name in route.required,
                **({"description": text} if text else {}), "schema": {"type": "string"}}
               for name, text in route.query.items()]
    if params:
        operation["parameters"] = params
    if route.body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _schema(route.body, components)}}}
    operation["responses"] = {
        str(route.status): {"description": "success", "content": {route.media: {}}},
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
