"""The client config file's structs (docs/protocol/cli.md §2): how it is decoded and how it is written.

Decoding is the wire's one decoder (moltnet.decoding, moltnet.gocompat.jsondecode) run as Go's CLI runs
json.Decoder on the file: DisallowUnknownFields, keys matched exactly or else case-insensitively, `null`
leaves a field unset, a wrong type is refused with encoding/json's text. Writing follows the same
structs: Go's field order, `omitempty` except for the fields listed in ALWAYS.
"""

from __future__ import annotations

from typing import Any, ClassVar, get_args, get_origin

from pydantic import ConfigDict

from moltnet.decoding import DecodeError, WireModel, decode_value
from moltnet.gocompat.flags import CliError
from moltnet.gocompat.jsondecode import JsonError, OutOfRange, field_name, loads_first


class _Struct(WireModel):
    """A struct of the Go client config: decoded as json.Decoder with DisallowUnknownFields decodes it.

    Field order is the order Go writes; ALWAYS lists the fields Go writes even when empty (no `omitempty`);
    GO_TYPE is the Go type's name, as encoding/json's errors print it.
    """

    model_config = ConfigDict(strict=True, extra="forbid")
    ALWAYS: ClassVar[tuple[str, ...]] = ()
    GO_TYPE: ClassVar[str] = ""


class Access(_Struct):
    GO_TYPE = "bridgeconfig.RoomAccess"
    ALWAYS = ("can_read", "can_write")
    can_read: bool = False
    can_write: bool = False
    reason: str = ""


class Room(_Struct):
    GO_TYPE = "bridgeconfig.RoomBinding"
    ALWAYS = ("id",)
    id: str = ""
    wake: str = ""
    visibility: str = ""
    write_policy: str = ""
    can_write: bool | None = None  # Go's *bool: written whenever set, false included
    access: Access | None = None


class Dms(_Struct):
    GO_TYPE = "bridgeconfig.DMConfig"
    ALWAYS = ("enabled",)
    enabled: bool = False
    wake: str = ""


class Auth(_Struct):
    GO_TYPE = "clientconfig.AuthConfig"
    ALWAYS = ("mode",)
    mode: str = ""
    registration: str = ""
    token: str = ""
    token_env: str = ""
    token_path: str = ""


class Attachment(_Struct):
    GO_TYPE = "clientconfig.AttachmentConfig"
    ALWAYS = ("auth", "base_url", "member_id", "network_id")
    agent_name: str = ""
    auth: Auth | None = None
    base_url: str = ""
    dms: Dms | None = None
    member_id: str = ""
    network_id: str = ""
    rooms: list[Room] | None = None
    runtime: str = ""


class Agent(_Struct):
    GO_TYPE = "clientconfig.AgentConfig"
    name: str = ""
    runtime: str = ""


class Config(_Struct):
    GO_TYPE = "clientconfig.Config"
    ALWAYS = ("version", "agent", "attachments")
    version: str = ""
    agent: Agent | None = None
    attachments: list[Attachment] | None = None


def _holds(annotation: Any) -> tuple[type[_Struct] | None, bool]:
    """The struct a field holds and whether as list elements; (None, False) for a plain value."""
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is list:
            return get_args(arg)[0], True
        if isinstance(arg, type) and issubclass(arg, _Struct):
            return arg, False
    return None, False


def _encode(value: dict, model: type[_Struct]) -> dict:
    """Field order of the model; empty optional values omitted (Go `omitempty`)."""
    out: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        item = value.get(key)
        always = key in model.ALWAYS
        if item is None and not always:
            continue
        struct, is_list = _holds(info.annotation)
        if struct is None and info.default is None:
            out[key] = item  # a nullable bool is written whenever it is set, false included
            continue
        if is_list:
            item = [_encode(entry, struct) for entry in item or []]
        elif struct is not None:
            item = _encode(item or {}, struct)
        elif item is None:
            item = info.default
        if always or item not in ("", False, [], None):
            out[key] = item
    return out


def encode_config(data: dict) -> dict:
    """A config dict as Go writes it: struct field order, empty optional values left out."""
    return _encode(data, Config)


def decode_config(raw: bytes) -> dict:
    """The config document as a dict of the fields it sets, by the wire's one decoder (moltnet.decoding)
    with DisallowUnknownFields, as json.Decoder.Decode reads the file (text after the first value is
    not read); CliError with encoding/json's text. Keys match exactly, else case-insensitively."""
    try:
        document = loads_first(raw)
    except JsonError as exc:
        raise CliError(str(exc)) from None
    if document is not None and not isinstance(document, dict):
        raise CliError(f"json: cannot unmarshal {_json_kind(document)} into Go value of type {Config.GO_TYPE}")
    try:
        config = decode_value(document, Config)
    except DecodeError as exc:
        raise CliError(_go_text(document, min(exc.errors, key=lambda e: _position(document, e["loc"])))) from None
    return config.model_dump(exclude_unset=True)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | OutOfRange):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "value")


def _go_type(loc: tuple) -> str:
    """The Go type at `loc` (field names and list indexes from Config down): `string`, `[]T`, `pkg.T`."""
    struct, annotation = Config, Config
    for part in loc:
        if isinstance(part, int):
            annotation = struct
            continue
        annotation = struct.model_fields[str(part)].annotation
        inner, is_list = _holds(annotation)
        if inner is not None:
            struct = inner
            annotation = list if is_list else inner
    if annotation is list:
        return f"[]{struct.GO_TYPE}"
    if isinstance(annotation, type) and issubclass(annotation, _Struct):
        return annotation.GO_TYPE
    return "bool" if bool in (annotation, *get_args(annotation)) else "string"


def _go_text(document: Any, error: dict) -> str:
    """A pydantic error as encoding/json words it: the field path with list indexes, the Go type."""
    loc, value = tuple(error["loc"]), error.get("input")
    if error["type"] == "extra_forbidden":
        return f'json: unknown field "{loc[-1]}"'
    if "cannot unmarshal number" in str(error.get("msg", "")):
        # A number no float64 holds, refused by GoModel for the whole struct: Go calls it a number
        # given to a string or bool field, like any other number.
        loc, value = _out_of_range_field(document, loc)
    path = ".".join(["Config", *(str(part) for part in loc)])
    where = f"Go struct field {path}" if loc and not isinstance(loc[-1], int) else path
    return f"json: cannot unmarshal {_json_kind(value)} into {where} of type {_go_type(loc)}"


def _out_of_range_field(document: Any, loc: tuple) -> tuple[tuple, Any]:
    """The first known field of the struct at `loc` holding a number no float64 holds."""
    node = document
    for part in loc:
        node = node[part] if isinstance(node, list) else node[_key(node, part)]
    struct = Config
    for part in loc:
        if not isinstance(part, int):
            struct = _holds(struct.model_fields[str(part)].annotation)[0] or struct
    known = tuple(struct.model_fields)
    for key, item in node.items():
        if isinstance(item, OutOfRange) and (name := field_name(key, known)) is not None:
            return (*loc, name), item
    return loc, node


def _key(node: dict, part: Any) -> Any:
    """The document key a field name was read from (the last match, as Go's last duplicate wins)."""
    matches = [key for key in node if key == part or key.lower() == str(part).lower()]
    return matches[-1] if matches else None


def _position(document: Any, loc: tuple) -> tuple[int, ...]:
    """Where an error's field sits in the document, so the first error in document order is reported,
    as Go's decoder (which reads the document once, top to bottom) reports it."""
    place: list[int] = []
    node = document
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            place.append(part)
            node = node[part]
        elif isinstance(node, dict) and (key := _key(node, part)) is not None:
            place.append(list(node).index(key))
            node = node[key]
        else:
            place.append(len(node) if isinstance(node, dict | list) else 0)
            break
    return tuple(place)
