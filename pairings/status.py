"""Runtime pairing status and the aggregate warnings of /v1/network (spec 01 §4.1)."""

from __future__ import annotations

from moltnet import state

_WARNINGS = (
    ("incompatible", "pairings.incompatible", "error", "incompatible", "Open the Pairings panel for diagnostics."),
    ("error", "pairings.error", "warning", "in error", "Check remote network connectivity and pairing credentials."),
    ("degraded", "pairings.degraded", "warning", "degraded", "Open the Pairings panel for diagnostics."),
)


def current_statuses() -> dict[str, str]:
    """pairing id → status; seeded from config until the pairing client refreshes it."""
    return {p.id: (p.status.strip() or "unknown") for p in state.config().pairings}


def network_warnings() -> list[dict]:
    counts: dict[str, int] = {}
    for status in current_statuses().values():
        counts[status] = counts.get(status, 0) + 1
    warnings = []
    for status, code, severity, words, action in _WARNINGS:
        n = counts.get(status, 0)
        if n:
            noun = "pairing" if n == 1 else "pairings"
            warnings.append({"severity": severity, "code": code, "message": f"{n} {noun} {words}.", "action": action})
    return warnings
