"""JSON encoding helpers: omit-when-empty objects and the compact wire encoding."""

from __future__ import annotations

import json
from typing import Any


def omit_empty(fields: dict[str, Any], *, always: tuple[str, ...] = ()) -> dict[str, Any]:
    """Drop empty values (\"\", False, 0, [], {}, None) except for keys listed in `always`."""
    return {k: v for k, v in fields.items() if k in always or v not in ("", False, 0, None, [], {})}


# One encoder: json.dumps with any non-default argument builds a new JSONEncoder on every call,
# and a send encodes six documents.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """Compact single-line JSON, as Go's encoder writes it."""
    return _ENCODER.encode(value)


def loads(text: str | bytes) -> Any:
    return json.loads(text)
