"""JSON responses in the wire encoding (compact, trailing newline as Go writes it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from moltnet import jsonshape


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return json_text_response(jsonshape.dumps(data), status)


def json_text_response(text: str, status: int = 200) -> HttpResponse:
    """A body already encoded in the wire encoding (see `json_response`)."""
    # Bytes and an explicit charset: Django would otherwise look the charset up (a regex over the
    # Content-Type, then settings) to encode the body. The header stays "application/json".
    return HttpResponse((text + "\n").encode(), status=status, content_type="application/json", charset="utf-8")
