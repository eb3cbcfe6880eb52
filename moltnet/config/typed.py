"""Decoding a config document into typed values the way Go decodes it into structs (docs/protocol/config.md §1).

A schema is a nested dict of known keys whose leaves are `str`, `bool`, `int`, `TIME` or a
one-element list for sequences. Unknown keys, duplicate YAML keys and wrong types are errors
naming the field.

YAML follows yaml.v3 rather than PyYAML's YAML 1.1 resolution: a string field takes any scalar
as written (`id: 007` is "007", `name: yes` is "yes", `members: [1:30]` is ["1:30"]), and a bool
field accepts `true`/`false` (any case as in YAML 1.2) plus the 1.1 words `y`, `yes`, `on`, `n`,
`no`, `off`. JSON follows encoding/json: strings must be JSON strings, keys match
case-insensitively, and text after the first value is not read. `null` leaves a field unset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from moltnet.config import hints
from moltnet.config.hints import Marks
from moltnet.config.model import ConfigError, EmptyDocumentError, quoted
from moltnet.gocompat.jsondecode import JsonError, OutOfRange, field_name, loads_first, loads_one
from moltnet.ids import parse_time

TIME = "time"  # schema leaf: an RFC 3339 timestamp, decoded to an aware datetime

_NULLS = ("", "~", "null", "Null", "NULL")
_TRUE, _FALSE = ("true", "True", "TRUE"), ("false", "False", "FALSE")
_YAML11_TRUE = ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")
_YAML11_FALSE = ("n", "N", "no", "No", "NO", "off", "Off", "OFF")
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _child(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# --- YAML ----------------------------------------------------------------------------------------

def decode_yaml(content: bytes | str, schema: dict) -> dict | None:
    """The first YAML document, typed by `schema`; None for a `null` document.

    Raises EmptyDocumentError (`EOF`) when there is no document at all (empty or comments only), and
    ConfigError naming the line and column for a syntax error, an unknown key or a wrong type.
    """
    return decode_yaml_located(content, schema)[0]


def decode_yaml_located(content: bytes | str, schema: dict) -> tuple[dict | None, Marks]:
    """`decode_yaml`, plus where each field is written: config path → (line, column) of its value."""
    marks: Marks = {}
    try:
        node = next(yaml.compose_all(content, Loader=yaml.SafeLoader), None)
        if node is None:
            raise EmptyDocumentError()
        if _is_null(node):
            return None, marks
        if not isinstance(node, MappingNode):
            raise ConfigError(f"cannot unmarshal {_yaml_kind(node)} into the config document (expected a mapping)"
                              f" ({hints.at(*_mark(node))})")
        return _from_node(node, schema, "", marks), marks
    except yaml.YAMLError as exc:
        raise ConfigError(hints.yaml_syntax(exc)) from None


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value in _NULLS


def _yaml_kind(node: Node) -> str:
    return {MappingNode: "a mapping", SequenceNode: "a list"}.get(type(node), f"the value {node.value!r}")


def _from_node(node: Node, schema: Any, where: str, marks: Marks) -> Any:
    if where:
        marks.setdefault(where, _mark(node))
    if _is_null(node):
        return None
    if isinstance(schema, dict):
        if not isinstance(node, MappingNode):
            hint = "; write key: value lines (is a \":\" missing?)" if isinstance(node, ScalarNode) else ""
            raise ConfigError(f"{where or 'document'}: expected a mapping, got {_yaml_kind(node)} "
                              f"({hints.at(*_mark(node))}){hint}")
        result: dict[str, Any] = {}
        for key_node, key, value in _mapping_pairs(node, where):
            if key not in schema:
                raise ConfigError(hints.unknown_key(where, key, list(schema), _mark(key_node)))
            result[key] = _from_node(value, schema[key], _child(where, key), marks)
        return result
    if isinstance(schema, list):
        if not isinstance(node, SequenceNode):
            raise ConfigError(f"{where}: expected a list, got {_yaml_kind(node)} ({hints.at(*_mark(node))})")
        # yaml.v3 drops null entries of a sequence.
        return [_from_node(item, schema[0], f"{where}[{index}]", marks) for index, item in enumerate(node.value)
                if not _is_null(item)]
    if not isinstance(node, ScalarNode):
        raise ConfigError(f"{where}: expected a {_leaf_name(schema)}, got {_yaml_kind(node)} "
                          f"({hints.at(*_mark(node))})")
    try:
        return _scalar(node, schema, where)
    except ConfigError as exc:
        raise ConfigError(f"{exc} ({hints.at(*_mark(node))})") from None


def _mapping_pairs(node: MappingNode, where: str) -> list[tuple[Node, str, Node]]:
    """(key node, key, value) after YAML merge keys (`<<`), explicit keys first; duplicates are errors."""
    seen: set[str] = set()
    explicit: list[tuple[Node, str, Node]] = []
    merges: list[Node] = []
    for key_node, value in node.value:
        if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE_TAG:
            merges.extend(value.value if isinstance(value, SequenceNode) else [value])
            continue
        if not isinstance(key_node, ScalarNode):
            raise ConfigError(f"{where or 'document'}: mapping keys must be strings ({hints.at(*_mark(key_node))})")
        if key_node.value in seen:
            raise ConfigError(f"{where or 'document'}: mapping key {quoted(key_node.value)} already defined "
                              f"({hints.at(*_mark(key_node))}); remove one of the two")
        seen.add(key_node.value)
        explicit.append((key_node, key_node.value, value))
    pairs = list(explicit)
    for source in merges:
        if not isinstance(source, MappingNode):
            raise ConfigError("map merge requires map or sequence of maps as the value")
        for key_node, key, value in _mapping_pairs(source, where):
            if key not in seen:  # explicit keys, then earlier merge sources, win
                seen.add(key)
                pairs.append((key_node, key, value))
    return pairs


def _scalar(node: ScalarNode, kind: Any, where: str) -> Any:
    value, plain = node.value, node.style is None
    if kind is str:
        return value
    if kind is bool:
        if (plain and value in _TRUE) or value in _YAML11_TRUE:
            return True
        if (plain and value in _FALSE) or value in _YAML11_FALSE:
            return False
        raise ConfigError(f"{where}: expected a bool, got {value!r}")
    if kind is int:
        try:
            return int(value.replace("_", ""), 10 if value.lstrip("+-").isdigit() else 0)
        except ValueError:
            raise ConfigError(f"{where}: expected an int, got {value!r}") from None
    if kind == TIME:
        if plain and node.tag == "tag:yaml.org,2002:timestamp":
            return _aware(SafeConstructor().construct_yaml_timestamp(node))
        return _rfc3339(value, where)
    raise ConfigError(f"{where}: unsupported schema")


def _leaf_name(kind: Any) -> str:
    return {str: "string", bool: "bool", int: "int", TIME: "time"}.get(kind, "value")


def _aware(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _rfc3339(value: str, where: str) -> datetime:
    try:
        if "T" not in value.upper():
            raise ValueError(value)
        return parse_time(value.replace("t", "T").replace("z", "Z"))
    except ValueError:
        raise ConfigError(f"{where}: cannot parse {value!r} as an RFC 3339 time") from None


# --- JSON ----------------------------------------------------------------------------------------

def parse_json(text: str | bytes, *, first: bool = False) -> Any:
    """A JSON document by the wire's Go rules (moltnet.gocompat.jsondecode): exactly one value, or
    with `first` only the first (as json.Decoder.Decode reads a file). ConfigError if it is not JSON."""
    try:
        return loads_first(text) if first else loads_one(text)
    except JsonError as exc:
        raise ConfigError(str(exc)) from None


def decode_json(text: str | bytes, schema: dict) -> dict | None:
    """The first JSON value, typed by `schema` (as json.Decoder.Decode: later text is not read)."""
    if not (text.lstrip(b" \t\r\n") if isinstance(text, bytes) else text.lstrip(" \t\r\n")):
        raise EmptyDocumentError()
    value = parse_json(text, first=True)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"cannot unmarshal {_json_kind(value)} into the config document (expected an object)")
    return from_json(value, schema, "", strict=True)


def _zero(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {}
    if isinstance(schema, list):
        return []
    return {str: "", bool: False, int: 0}.get(schema)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, OutOfRange):
        return "number"
    return {dict: "object", list: "array", str: "string", int: "number", float: "number"}.get(type(value), "null")


def from_json(value: Any, schema: Any, where: str, *, strict: bool) -> Any:
    """A decoded JSON value typed by `schema`; `strict` rejects unknown keys (else they are ignored)."""
    if value is None:
        return None
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{where or 'document'}: expected an object, got {_json_kind(value)}")
        known = tuple(schema)
        result: dict[str, Any] = {}
        for key, item in value.items():  # Go matches names exactly, else case-insensitively
            name = field_name(key, known)
            if name is None:
                if strict:
                    raise ConfigError(hints.unknown_key(where, key, list(schema), None))
                continue
            result[name] = from_json(item, schema[name], _child(where, name), strict=strict)
        return result
    if isinstance(schema, list):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected an array, got {_json_kind(value)}")
        # encoding/json decodes a null entry as the element's zero value.
        return [_zero(schema[0]) if item is None else from_json(item, schema[0], f"{where}[{index}]", strict=strict)
                for index, item in enumerate(value)]
    expected = {str: str, bool: bool, int: int, TIME: str}.get(schema)
    if expected is None or not isinstance(value, expected) or (schema is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected a {_leaf_name(schema)}, got {_json_kind(value)}")
    return _rfc3339(value, where) if schema == TIME else value
