"""The one list of runtimes, and the lookups the node, the CLI and the discovery documents use.

Adding a runtime: write `moltnet/runtimes/<name>.py` declaring its `SPEC`, its adapter package under
`node/runtimes/<name>/`, and add `<name>.SPEC` to `RUNTIMES` below.
"""

from __future__ import annotations

from moltnet.runtimes import claude_code, codex, openclaw, pi, picoclaw, tinyclaw
from moltnet.runtimes.spec import RESTRICTED_FIELDS, DiscoverySnippet, RuntimeSpec


def register(*specs: RuntimeSpec) -> tuple[RuntimeSpec, ...]:
    """Check the declarations against each other once, at import: a mistake fails every entry point loudly."""
    known = {name for name, _schemes in RESTRICTED_FIELDS}
    names, ranks = set(), set()
    for spec in specs:
        if spec.name in names:
            raise ValueError(f"runtime {spec.name!r} is registered twice")
        names.add(spec.name)
        unknown = (set(spec.fields) | set(spec.refusals) | set(spec.requires) | set(spec.requires.values())) - known
        if unknown:
            raise ValueError(f"runtime {spec.name!r} names unknown runtime fields {sorted(unknown)}")
        if spec.discovery is not None:
            if spec.discovery.rank in ranks:
                raise ValueError(f"runtime {spec.name!r} reuses discovery rank {spec.discovery.rank}")
            ranks.add(spec.discovery.rank)
    return specs


# The order is the one the CLI's usage text and the config errors list runtimes in ("picoclaw, tinyclaw, or pi").
RUNTIMES: tuple[RuntimeSpec, ...] = register(
    openclaw.SPEC, picoclaw.SPEC, tinyclaw.SPEC, pi.SPEC, claude_code.SPEC, codex.SPEC)
_BY_NAME = {spec.name: spec for spec in RUNTIMES}


def lookup(name: str) -> RuntimeSpec | None:
    """The runtime called exactly `name` (`runtime.kind` is matched exactly), or None."""
    return _BY_NAME.get(name)


def names() -> tuple[str, ...]:
    return tuple(spec.name for spec in RUNTIMES)


def accepting(field: str) -> tuple[str, ...]:
    """The runtimes that accept the restricted `runtime.<field>`, in registry order."""
    return tuple(spec.name for spec in RUNTIMES if field in spec.fields)


def skill_paths(name: str) -> tuple[str, ...]:
    """Where `moltnet skill install` writes the skill for `name`; () when it does not support it."""
    spec = lookup(name)
    return spec.skill_paths if spec is not None else ()


def with_skill() -> tuple[str, ...]:
    """The runtimes `moltnet skill install` supports (docs/protocol/cli.md §7.1)."""
    return tuple(spec.name for spec in RUNTIMES if spec.skill_paths)


def documented() -> tuple[tuple[RuntimeSpec, DiscoverySnippet], ...]:
    """The runtimes the discovery documents offer, with their snippets, in the documents' order
    (docs/protocol/discovery-metrics.md §3.2)."""
    listed = [(spec, spec.discovery) for spec in RUNTIMES if spec.discovery is not None]
    return tuple(sorted(listed, key=lambda pair: pair[1].rank))


def with_mcp() -> tuple[RuntimeSpec, ...]:
    """The runtimes `moltnet connect --mcp` can register `moltnet mcp` with."""
    return tuple(spec for spec in RUNTIMES if spec.mcp_config)


def with_wake_queue() -> tuple[str, ...]:
    """CLI-backed runtimes, whose wakes queue per conversation."""
    return tuple(spec.name for spec in RUNTIMES if spec.wake_queue)
