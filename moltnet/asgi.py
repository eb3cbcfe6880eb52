"""ASGI entry point: Django for HTTP, Channels consumers for /v1/attach and /v1/events/stream."""

from __future__ import annotations

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moltnet.settings")
django_application = get_asgi_application()

from attach.routing import http_routes, websocket_routes  # noqa: E402 - needs Django set up

application = ProtocolTypeRouter(
    {
        "http": URLRouter(http_routes(django_application)),
        "websocket": URLRouter(websocket_routes()),
    }
)
