"""Request body decoding with Go's encoding/json semantics (spec 02 §1.3).

Exactly one JSON value, case-insensitive field names, unknown fields ignored, `null` means
"zero value", wrong types are 400. Request shapes are pydantic models deriving from WireModel;
the Go rules themselves live in `moltnet.gocompat.jsondecode`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from moltnet.errors import ApiError
from moltnet.gocompat.jsondecode import GoModel, JsonError, loads_one

MAX_BODY_BYTES = 1 << 20
M = TypeVar("M", bound="WireModel")


class WireModel(GoModel):
    """Base for request bodies and partner documents: decoded as the Go server decodes them."""


def parse_single_json(raw: bytes) -> Any:
    """Decode exactly one JSON value; whitespace may follow it. Go's decoder errors are 400s."""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, "http: request body too large")
    try:
        return loads_one(raw)
    except JsonError as exc:
        raise ApiError(400, str(exc)) from exc


def decode_body[M: "WireModel"](raw: bytes, model: type[M]) -> M:
    value = parse_single_json(raw)
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ApiError(400, f"json: cannot unmarshal {where or 'body'}: {first.get('msg', 'invalid value')}") from exc
