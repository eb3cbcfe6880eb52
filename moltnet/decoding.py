"""Request body decoding with Go's encoding/json semantics (spec 02 §1.3).

Exactly one JSON value, case-insensitive field names, unknown fields ignored, `null` means
"zero value", wrong types are 400. Request shapes are pydantic models deriving from GoModel.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from moltnet.errors import ApiError

MAX_BODY_BYTES = 1 << 20
M = TypeVar("M", bound="GoModel")


class GoModel(BaseModel):
    """Base for request bodies: strict types, Go-style key matching, nulls become defaults."""

    model_config = ConfigDict(strict=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _go_field_matching(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ValueError("cannot unmarshal into an object")
        fields = {info.alias or name for name, info in cls.model_fields.items()}
        folded = {name.lower(): name for name in fields}
        merged: dict[str, Any] = {}
        for key, value in data.items():  # in document order: the last matching key wins, as in Go
            name = key if key in fields else folded.get(key.lower())
            if name is not None:
                merged[name] = value
        return {k: v for k, v in merged.items() if v is not None}


def parse_single_json(raw: bytes) -> Any:
    """Decode exactly one JSON value; whitespace may follow it."""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, "http: request body too large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid character in request body") from exc
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise ApiError(400, "EOF")
    decoder = json.JSONDecoder()
    try:
        value, end = decoder.raw_decode(stripped)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"invalid JSON: {exc.msg}") from exc
    rest = stripped[end:].lstrip(" \t\r\n")
    if rest:
        try:
            decoder.raw_decode(rest)
        except json.JSONDecodeError as exc:
            raise ApiError(400, f"invalid character after top-level value: {exc.msg}") from exc
        raise ApiError(400, "expected a single JSON object")
    return value


def decode_body[M: "GoModel"](raw: bytes, model: type[M]) -> M:
    value = parse_single_json(raw)
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ApiError(400, f"json: cannot unmarshal {where or 'body'}: {first.get('msg', 'invalid value')}") from exc
