"""PicoClaw: the event WebSocket, `picoclaw agent` command mode, or a control URL (docs/protocol/runtimes.md §3);
adapters in `node.runtimes.picoclaw`."""

from __future__ import annotations

from moltnet.runtimes.spec import DiscoverySnippet, RuntimeFields, RuntimeSpec

DEFAULT_EVENTS = "ws://127.0.0.1:18990/pico/ws"


def apply_defaults(rt: RuntimeFields) -> None:
    if not rt.command and rt.config_path:
        rt.command = "picoclaw"
    elif not any((rt.command, rt.config_path, rt.control_url, rt.events_url)):
        rt.events_url = DEFAULT_EVENTS


def seam_error(rt: RuntimeFields) -> str:
    if rt.control_url or rt.events_url or rt.command:
        return ""
    return "bridge config runtime.control_url, runtime.events_url, or runtime.command is required for picoclaw"


SPEC = RuntimeSpec(
    name="picoclaw",
    title="PicoClaw",
    adapter="node.runtimes.picoclaw:build_adapter",
    fields=frozenset({"control_url", "events_url", "command", "config_path"}),
    requires={"command": "config_path"},
    apply_defaults=apply_defaults,
    seam_error=seam_error,
    skill_paths=("skills/moltnet/SKILL.md",),
    discovery=DiscoverySnippet(
        rank=4,
        runtime_yaml=("kind: picoclaw", f'events_url: "{DEFAULT_EVENTS}"'),
        note="PicoClaw is reached through its default event socket; `control_url`, or `command` plus "
             "`config_path`, are the alternatives."),
)
