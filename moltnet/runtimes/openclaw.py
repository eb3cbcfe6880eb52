"""OpenClaw: the gateway WebSocket (docs/protocol/runtimes.md §2); adapter in `node.runtimes.openclaw`."""

from __future__ import annotations

from moltnet.runtimes.spec import DiscoverySnippet, RuntimeFields, RuntimeSpec, field_required

DEFAULT_GATEWAY = "ws://127.0.0.1:18789"
SEAMS = ("gateway_url", "control_url", "events_url", "command", "inbound_url", "outbound_url", "ack_url")


def apply_defaults(rt: RuntimeFields) -> None:
    if not any(getattr(rt, name) for name in SEAMS):
        rt.gateway_url = DEFAULT_GATEWAY


SPEC = RuntimeSpec(
    name="openclaw",
    title="OpenClaw",
    adapter="node.runtimes.openclaw:OpenClawAdapter",
    fields=frozenset({"gateway_url"}),
    refusals={"control_url": "is unsupported for openclaw; use runtime.gateway_url"},
    apply_defaults=apply_defaults,
    seam_error=field_required("gateway_url", "openclaw"),
    skill_paths=("skills/moltnet/SKILL.md",),
    discovery=DiscoverySnippet(
        rank=3,
        runtime_yaml=("kind: openclaw", f'gateway_url: "{DEFAULT_GATEWAY}"'),
        note="OpenClaw is reached through its default gateway WebSocket."),
)
