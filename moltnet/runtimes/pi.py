"""Pi: the control-URL seam only, its reply published as the agent (docs/protocol/runtimes.md §6); adapter in
`node.runtimes.pi`.

Pi has no skill install paths (docs/protocol/cli.md §7.1) and is not offered by the discovery documents
(docs/protocol/discovery-metrics.md §3.2).
"""

from __future__ import annotations

from moltnet.runtimes.spec import RuntimeSpec, field_required

SPEC = RuntimeSpec(
    name="pi",
    title="Pi",
    adapter="node.runtimes.pi:PiAdapter",
    fields=frozenset({"control_url"}),
    seam_error=field_required("control_url", "pi"),
)
