"""ASGI entry point: Django for HTTP, Channels consumers for /v1/attach and /v1/events/stream, MCP at /mcp."""

from __future__ import annotations

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moltnet.settings")
django_application = get_asgi_application()

from django.urls import re_path  # noqa: E402

from attach.routing import http_routes, websocket_routes  # noqa: E402 - needs Django set up
from mcpserver.http import endpoint as mcp_endpoint  # noqa: E402

application = ProtocolTypeRouter(
    {
        # /mcp: the MCP streamable HTTP transport (mcpserver), then the API, streams and console.
        "http": URLRouter([re_path(r"^mcp$", mcp_endpoint), *http_routes(django_application)]),
        "websocket": URLRouter(websocket_routes()),
    }
)
