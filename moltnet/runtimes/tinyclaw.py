"""TinyClaw: native queue endpoints, or a single control URL (docs/protocol/runtimes.md §4); adapters in
`node.runtimes.tinyclaw`."""

from __future__ import annotations

from urllib.parse import quote_plus

from moltnet.gocompat import UrlError, parse_url
from moltnet.runtimes.spec import DiscoverySnippet, RuntimeFields, RuntimeSpec

DEFAULT_BASE = "http://127.0.0.1:3777"
DEFAULT_CHANNEL = "moltnet"
QUEUE_FIELDS = ("inbound_url", "outbound_url", "ack_url")


def _origin(raw: str) -> str:
    """`scheme://host[:port]` of a URL that parses with both (Go's `url.URL.Host`: no user-info), else ""."""
    try:
        parsed = parse_url(raw.strip())
    except UrlError:
        return ""
    return f"{parsed.scheme}://{parsed.host}" if parsed.scheme and parsed.host else ""


def queue_urls(base: str, channel: str) -> tuple[str, str, str]:
    """The inbound, pending-responses and ACK endpoints under `base`."""
    return (f"{base}/api/message", f"{base}/api/responses/pending?channel={quote_plus(channel.strip())}",
            f"{base}/api/responses")


def apply_defaults(rt: RuntimeFields) -> None:
    """Native mode: missing endpoints default under the first configured one's origin (docs/protocol/node.md §5)."""
    if rt.control_url:
        return
    rt.channel = rt.channel or DEFAULT_CHANNEL
    base = next((o for o in map(_origin, (rt.inbound_url, rt.outbound_url, rt.ack_url)) if o), DEFAULT_BASE)
    inbound, outbound, ack = queue_urls(base, rt.channel)
    rt.inbound_url = rt.inbound_url or inbound
    rt.outbound_url = rt.outbound_url or outbound
    rt.ack_url = rt.ack_url or ack


def seam_error(rt: RuntimeFields) -> str:
    if rt.control_url:
        return ""
    missing = next((name for name in QUEUE_FIELDS if not getattr(rt, name)), "")
    return f"bridge config runtime.{missing} is required for tinyclaw" if missing else ""


_DEFAULTS = queue_urls(DEFAULT_BASE, DEFAULT_CHANNEL)
SPEC = RuntimeSpec(
    name="tinyclaw",
    title="TinyClaw",
    adapter="node.runtimes.tinyclaw:build_adapter",
    fields=frozenset({"control_url", *QUEUE_FIELDS}),
    apply_defaults=apply_defaults,
    seam_error=seam_error,
    skill_paths=(".agents/skills/moltnet/SKILL.md", ".claude/skills/moltnet/SKILL.md"),
    discovery=DiscoverySnippet(
        rank=5,
        runtime_yaml=("kind: tinyclaw", f"channel: {DEFAULT_CHANNEL}",
                      *(f'{name}: "{url}"' for name, url in zip(QUEUE_FIELDS, _DEFAULTS, strict=True))),
        note="TinyClaw uses its default queue endpoints; a single `control_url` is the alternative."),
)
