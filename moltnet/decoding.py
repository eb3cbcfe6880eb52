"""The one decoder of the wire: JSON documents into typed models with Go's encoding/json rules.

Request bodies (through `@api(body=…)`), attachment frames, a pairing partner's answers, the
bridge config and the CLI's client config all decode here: exactly one JSON value, case-insensitive
field names, unknown fields ignored (the client config refuses them, as Go's CLI does), `null` means
"zero value", a wrong type refuses the document (docs/protocol/http-api.md §1.3).
Models derive from WireModel; the Go rules themselves live in `moltnet.gocompat.jsondecode`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from moltnet.errors import ApiError
from moltnet.gocompat.jsondecode import GoModel, JsonError, loads_one

MAX_BODY_BYTES = 1 << 20
M = TypeVar("M", bound="WireModel")


class WireModel(GoModel):
    """Base for request bodies, frames and partner documents: decoded as the Go server decodes them."""


class DecodeError(ValueError):
    """A document that is not JSON, or does not fit its model; the text says where."""

    def __init__(self, text: str, *, syntax: bool, errors: list[Any] | None = None) -> None:
        super().__init__(text)
        self.syntax = syntax  # True: not one JSON value; False: a field of the wrong type
        self.errors = errors or []  # pydantic's error dicts (all of them), for callers writing their own text


def decode_value[M: "WireModel"](value: Any, model: type[M]) -> M:
    """An already-parsed JSON value as `model`; DecodeError("field: why") if it does not fit."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise DecodeError(f"{where}: {first.get('msg', 'invalid value')}", syntax=False, errors=errors) from None


def decode_document[M: "WireModel"](raw: bytes | str, model: type[M]) -> M:
    """Exactly one JSON value (whitespace may follow) as `model`; DecodeError with Go's text."""
    try:
        value = loads_one(raw)
    except JsonError as exc:
        raise DecodeError(str(exc), syntax=True) from None
    return decode_value(value, model)


def decode_body[M: "WireModel"](raw: bytes, model: type[M]) -> M:
    """A request body as `model`: over 1 MiB, not JSON or not fitting, a 400 with Go's text."""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, "http: request body too large")
    try:
        return decode_document(raw, model)
    except DecodeError as exc:
        raise ApiError(400, str(exc) if exc.syntax else f"json: cannot unmarshal {exc}") from exc
