"""ASGI entry point: Django for HTTP, Channels consumers for /v1/attach and /v1/events/stream, MCP at /mcp.

The one place the transports are put together (an entry point, above every app), so no app
imports another transport to route to it.
"""

from __future__ import annotations

import asyncio
import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moltnet.settings")
django_application = get_asgi_application()

# Below: modules that read Django models or settings at import, so only once Django is set up.
from django.urls import re_path  # noqa: E402

from attach.consumers import AttachConsumer  # noqa: E402
from attach.handshake import attach_http  # noqa: E402
from attach.hub import get_hub  # noqa: E402
from attach.sse import EventStreamConsumer  # noqa: E402
from console.stream import ConsoleEventStream  # noqa: E402
from mcpserver.http import endpoint as mcp_endpoint  # noqa: E402
from moltnet.hotpath import HotPath  # noqa: E402


async def _reject_websocket(scope, receive, send) -> None:
    """Any other WebSocket path: refuse the upgrade (HTTP 403 from the server)."""
    await receive()
    await send({"type": "websocket.close"})


def _starting(app):
    """Start this process's event hub on the first request, so retention and presence run."""

    async def wrapped(scope, receive, send):
        hub = get_hub()
        if hub._starting is None:
            hub._starting = asyncio.ensure_future(hub._start())
        return await app(scope, receive, send)

    return wrapped


application = ProtocolTypeRouter(
    {
        # /mcp: the MCP streamable HTTP transport (mcpserver), then the API, streams and console.
        "http": URLRouter([
            re_path(r"^mcp$", mcp_endpoint),
            re_path(r"^v1/events/stream$", EventStreamConsumer.as_asgi()),
            # The same stream for console users signed in with a password (no token to send).
            re_path(r"^console/api/v1/events/stream$", ConsoleEventStream.as_asgi()),
            re_path(r"^v1/attach$", attach_http),
            # Sends and history reads skip Django's per-request handler (moltnet.hotpath).
            re_path(r"", _starting(HotPath(django_application))),
        ]),
        "websocket": URLRouter([re_path(r"^v1/attach$", AttachConsumer.as_asgi()), re_path(r"", _reject_websocket)]),
    }
)
