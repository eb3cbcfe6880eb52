"""ASGI routes owned by the attach app: the attachment WebSocket and the SSE stream."""

from __future__ import annotations

from django.urls import re_path


def _attach_websocket():
    from attach.consumers import AttachConsumer

    return AttachConsumer.as_asgi()


async def _reject_websocket(scope, receive, send) -> None:
    """Any other WebSocket path: refuse the upgrade (HTTP 403 from the server)."""
    await receive()
    await send({"type": "websocket.close"})


def _starting(app):
    """Start this process's event hub on the first request, so retention and presence run."""

    async def wrapped(scope, receive, send):
        from attach.hub import get_hub

        hub = get_hub()
        if hub._starting is None:
            hub._starting = __import__("asyncio").ensure_future(hub._start())
        return await app(scope, receive, send)

    return wrapped


def http_routes(django_application) -> list:
    from attach.handshake import attach_http
    from attach.sse import EventStreamConsumer
    from console.stream import ConsoleEventStream
    from moltnet.hotpath import HotPath

    return [
        re_path(r"^v1/events/stream$", EventStreamConsumer.as_asgi()),
        # The same stream for console users signed in with a password (no token to send).
        re_path(r"^console/api/v1/events/stream$", ConsoleEventStream.as_asgi()),
        re_path(r"^v1/attach$", attach_http),
        # Sends and history reads skip Django's per-request handler (moltnet.hotpath).
        re_path(r"", _starting(HotPath(django_application))),
    ]


def websocket_routes() -> list:
    return [re_path(r"^v1/attach$", _attach_websocket()), re_path(r"", _reject_websocket)]
