"""JSON responses in the wire encoding (compact, trailing newline as Go writes it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from moltnet import jsonshape


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(jsonshape.dumps(data) + "\n", status=status, content_type="application/json")


def json_text_response(text: str, status: int = 200) -> HttpResponse:
    """A body already encoded in the wire encoding (see `json_response`)."""
    return HttpResponse(text + "\n", status=status, content_type="application/json")
