"""JSON responses in the wire encoding (compact, trailing newline as Go writes it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from moltnet import jsonshape
from moltnet.decoding import GoModel, decode_body


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(jsonshape.dumps(data) + "\n", status=status, content_type="application/json")


def json_text_response(text: str, status: int = 200) -> HttpResponse:
    """A body already encoded in the wire encoding (see `json_response`)."""
    return HttpResponse(text + "\n", status=status, content_type="application/json")


def read_body(request: HttpRequest, model: type[GoModel]) -> Any:
    """Decode the request body into `model` (400 on any decode failure)."""
    return decode_body(request.body, model)
