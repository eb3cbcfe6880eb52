"""Go's encoding/json decoding rules (docs/protocol/http-api.md §1.3), the one place they are written down.

- `loads_one`: exactly one JSON value (a request body, a frame; `loads_first`: the first value of a
  stream, as json.Decoder.Decode reads it); Go's texts for syntax errors; invalid UTF-8 and lone
  surrogates become U+FFFD; `NaN`/`Infinity` refused; numbers no float64 holds kept as OutOfRange.
- `match_fields`: struct field matching — exact name, else case-insensitive; the last duplicate wins.
- `GoModel`: a pydantic base applying those rules to a struct: strict types, unknown fields ignored,
  `null` means "zero value". A model configured with `extra="forbid"` decodes as json.Decoder with
  DisallowUnknownFields: a key that matches no field, not even case-insensitively, is an error.

Callers turn JsonError into their own error (an API 400, an attach ERROR frame, a config error).
"""

from __future__ import annotations

import codecs
import functools
import json
import math
import re
from collections.abc import Iterable
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator


class JsonError(ValueError):
    """A document Go's decoder refuses; the text is Go's."""


@functools.cache
def _names(known: tuple[str, ...]) -> tuple[frozenset[str], dict[str, str]]:
    return frozenset(known), {name.lower(): name for name in known}


def field_name(key: str, known: tuple[str, ...]) -> str | None:
    """The struct field a JSON key sets: the exact name, else a case-insensitive match, else None."""
    exact, folded = _names(known)
    return key if key in exact else folded.get(key.lower())


def match_fields(pairs: Iterable[tuple[str, Any]], known: tuple[str, ...]) -> dict[str, Any]:
    """Known fields of an object given as (key, value) pairs in document order; the last match wins."""
    exact, folded = _names(known)
    out: dict[str, Any] = {}
    for key, value in pairs:
        name = key if key in exact else folded.get(key.lower())
        if name is not None:
            out[name] = value
    return out


class GoModel(BaseModel):
    """A Go struct as encoding/json fills it: strict types, Go-style key matching, nulls become defaults."""

    model_config = ConfigDict(strict=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _go_field_matching(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ValueError("cannot unmarshal into an object")
        fields = _field_table(cls)
        known = tuple(fields)
        merged = match_fields(data.items(), known)  # in document order: the last match wins
        for name, value in merged.items():
            kind = fields[name]
            if isinstance(value, list) and kind == "strings":
                merged[name] = ["" if item is None else item for item in value]  # null element → ""
            elif kind != "models" and (number := _out_of_range(value)) is not None:
                raise ValueError(f"cannot unmarshal number {number} into Go value of type float64")
        decoded = {k: v for k, v in merged.items() if v is not None}
        if cls.model_config.get("extra") == "forbid":  # DisallowUnknownFields: pydantic refuses these keys
            decoded.update((k, v) for k, v in data.items() if field_name(k, known) is None)
        return decoded


@functools.cache
def _field_table(model: type[GoModel]) -> dict[str, str]:
    """Per model, once: wire name → field kind ("strings", "models", "value")."""
    fields = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        kind = "strings" if _is_string_list(annotation) else "models" if _holds_models(annotation) else "value"
        fields[info.alias or name] = kind
    return fields


def _is_string_list(annotation: Any) -> bool:
    return get_origin(annotation) is list and get_args(annotation) == (str,)


def _holds_models(annotation: Any) -> bool:
    """A field decoded by nested GoModels, which check their own (known) fields."""
    if isinstance(annotation, type) and issubclass(annotation, GoModel):
        return True
    return any(_holds_models(arg) for arg in get_args(annotation))


class OutOfRange:
    """A JSON number no float64 holds (`1e400`): Go refuses it in a known field, skips it elsewhere."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_float(text: str) -> float | OutOfRange:
    value = float(text)
    return OutOfRange(text) if math.isinf(value) else value


def _parse_int(text: str) -> int | OutOfRange:
    if len(text.lstrip("-")) > 309:  # beyond float64 (and Python's int-parsing digit limit)
        return OutOfRange(text)
    value = int(text)
    try:
        float(value)
    except OverflowError:
        return OutOfRange(text)
    return value


def _out_of_range(value: Any) -> str | None:
    stack = [value]
    while stack:  # iterative: nesting may be deeper than Python's recursion limit
        item = stack.pop()
        if isinstance(item, OutOfRange):
            return item.text
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _last_key_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys sit at their last occurrence, so "last key wins" follows document order."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        obj.pop(key, None)
        obj[key] = value
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")  # NaN, Infinity


def _replace_per_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    """Invalid UTF-8 (only legal inside strings): one U+FFFD per bad byte, as Go's decoder does."""
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error("moltnet-go-utf8", _replace_per_byte)


def _fix_surrogates(value: Any) -> Any:
    """Go decodes a lone UTF-16 surrogate escape (`\\ud800`) as U+FFFD; Python keeps it (unencodable)."""

    def fix(item: Any) -> Any:
        return _SURROGATE.sub("\ufffd", item) if isinstance(item, str) else item

    root = [value]
    stack: list[list | dict] = [root]
    while stack:  # iterative: nesting may be deeper than Python's recursion limit
        container = stack.pop()
        if isinstance(container, list):
            for index, item in enumerate(container):
                container[index] = fix(item)
                if isinstance(item, list | dict):
                    stack.append(item)
        else:
            for key in list(container):
                item = container.pop(key)
                container[fix(key)] = fix(item)
                if isinstance(item, list | dict):
                    stack.append(item)
    return root[0]


_DECODER = json.JSONDecoder(object_pairs_hook=_last_key_wins, parse_constant=_no_constant,
                            parse_float=_parse_float, parse_int=_parse_int)


def _text(raw: bytes | str) -> str:
    """The document without leading whitespace; invalid UTF-8 (only legal inside strings) → U+FFFD."""
    text = raw.decode("utf-8", errors="moltnet-go-utf8") if isinstance(raw, bytes) else raw
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise JsonError("EOF")
    return stripped


def _first(stripped: str) -> tuple[Any, int]:
    """The first value of the document and where it ends; JsonError where Go's decoder fails."""
    try:
        return _DECODER.raw_decode(stripped)
    except json.JSONDecodeError as exc:
        raise JsonError(f"invalid JSON: {exc.msg}") from exc
    except ValueError as exc:
        raise JsonError(str(exc)) from exc
    except RecursionError as exc:
        raise JsonError("exceeded max depth") from exc


def _finish(value: Any, stripped: str) -> Any:
    return _fix_surrogates(value) if _SURROGATE_ESCAPE.search(stripped) else value


def loads_first(raw: bytes | str) -> Any:
    """What json.Decoder.Decode reads from a stream (a partner's answer, a config file): the first
    JSON value; the text after it is not read."""
    stripped = _text(raw)
    value, end = _first(stripped)
    return _finish(value, stripped[:end])


def loads_one(raw: bytes | str) -> Any:
    """Decode exactly one JSON value as json.Decoder does for a body; whitespace may follow it.

    Raises JsonError with Go's text (`EOF`, `invalid character ...`, `expected a single JSON object`).
    """
    stripped = _text(raw)  # a U+FFFD outside a string is a syntax error below
    value, end = _first(stripped)
    rest = stripped[end:].lstrip(" \t\r\n")
    if rest:
        # Go reads one more token: any value start (even an unfinished `{` or `[`) is a second value.
        if rest[0] in "{[":
            raise JsonError("expected a single JSON object")
        try:
            _DECODER.raw_decode(rest)
        except (ValueError, RecursionError) as exc:
            raise JsonError(f"invalid character {rest[0]!r} after top-level value") from exc
        raise JsonError("expected a single JSON object")
    return _finish(value, stripped)
