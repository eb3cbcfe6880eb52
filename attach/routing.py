"""ASGI routes owned by the attach app: the attachment WebSocket and the SSE stream."""

from __future__ import annotations

from django.urls import re_path


def http_routes(django_application) -> list:
    return [re_path(r"", django_application)]


def websocket_routes() -> list:
    return []
