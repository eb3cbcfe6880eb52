"""The shape of one runtime's declaration (`RuntimeSpec`) and of the `runtime:` block it is checked against."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

# The `runtime.*` fields only some runtimes accept, in the order a bridge config is checked (docs/protocol/node.md
# §4.3),
# with the URL schemes each must use (None: not a URL).
RESTRICTED_FIELDS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("gateway_url", ("ws", "wss")),
    ("control_url", ("http", "https")),
    ("events_url", ("ws", "wss")),
    ("command", None),
    ("inbound_url", ("http", "https")),
    ("outbound_url", ("http", "https")),
    ("ack_url", ("http", "https")),
    ("config_path", None),
)


class RuntimeFields(Protocol):
    """The `runtime:` block of a bridge config (the node's `RuntimeBlock`), as the rules below read it."""

    kind: str
    gateway_url: str
    control_url: str
    events_url: str
    command: str
    inbound_url: str
    outbound_url: str
    ack_url: str
    channel: str
    config_path: str
    workspace_path: str


@dataclass(frozen=True)
class DiscoverySnippet:
    """This runtime's H3 section in /install.md and its place in the documents' runtime lists
    (docs/protocol/discovery-metrics.md §3.2)."""

    rank: int  # position in the documents' lists: Go lists them in a fixed order unlike the CLI's
    runtime_yaml: tuple[str, ...]  # the `runtime:` block of the MoltnetNode example, one key per line
    note: str


def _no_defaults(rt: RuntimeFields) -> None:
    """A runtime without defaults."""


def _no_seam_rule(rt: RuntimeFields) -> str:
    return ""


@dataclass(frozen=True)
class RuntimeSpec:
    """Everything the server, the CLI and the node know about one runtime kind."""

    name: str  # the `runtime.kind` / `--runtime` value
    title: str  # how documents name it
    adapter: str  # "module:callable" building the node adapter from (cfg, client, environ); resolved by the node
    fields: frozenset[str] = frozenset()  # the RESTRICTED_FIELDS this runtime accepts
    # A field this runtime refuses with its own advice instead of "only supported for …".
    refusals: Mapping[str, str] = field(default_factory=dict)
    # A field that needs another when set: {"command": "config_path"}.
    requires: Mapping[str, str] = field(default_factory=dict)
    apply_defaults: Callable[[RuntimeFields], None] = _no_defaults  # docs/protocol/node.md §5, on blank-trimmed fields
    seam_error: Callable[[RuntimeFields], str] = _no_seam_rule  # docs/protocol/runtimes.md §1.3: the error text, or ""
    skill_paths: tuple[str, ...] = ()  # where `moltnet skill install` writes SKILL.md; () = not supported
    discovery: DiscoverySnippet | None = None  # None: not offered by the discovery documents
    wake_queue: bool = False  # CLI-backed: wakes queue per conversation (shown by `moltnet node status`)
    mcp_config: str = ""  # the project-scoped MCP config `moltnet connect --mcp` writes; "" = not supported


def field_required(field_name: str, kind: str) -> Callable[[RuntimeFields], str]:
    """A seam rule: `runtime.<field_name>` must be set (after the defaults) for `kind`."""
    def check(rt: RuntimeFields) -> str:
        if getattr(rt, field_name).strip():
            return ""
        return f"bridge config runtime.{field_name} is required for {kind}"
    return check


def cli_runtime(*, name: str, title: str, command: str, adapter: str, skill_paths: tuple[str, ...], rank: int,
                note: str, mcp_config: str) -> RuntimeSpec:
    """A CLI-backed runtime (docs/protocol/runtimes.md §7): runs `command` (overridable) in `runtime.workspace_path`
    per wake."""
    def apply_defaults(rt: RuntimeFields) -> None:
        rt.command = rt.command or command

    return RuntimeSpec(
        name=name, title=title, adapter=adapter, fields=frozenset({"command"}), apply_defaults=apply_defaults,
        seam_error=field_required("workspace_path", name), skill_paths=skill_paths,
        discovery=DiscoverySnippet(rank, (f"kind: {name}", f"command: {command}", "workspace_path: ."), note),
        wake_queue=True, mcp_config=mcp_config)
