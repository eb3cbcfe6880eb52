"""Who is attached right now, asked of the transport that knows (docs/protocol/http-api.md §4.6 `connected`).

agents knows nothing of transports (DESIGN.md): the attach app hands over its two answers from its
AppConfig.ready(). Until then nobody is attached and there is no slot claim to clear.
"""

from __future__ import annotations

from collections.abc import Callable


def _nobody() -> set[str]:
    return set()


def _nothing(agent_id: str, credential_key: str | None) -> None:
    return None


_connected: Callable[[], set[str]] = _nobody
_clear: Callable[[str, str | None], None] = _nothing


def register(connected: Callable[[], set[str]], clear: Callable[[str, str | None], None]) -> None:
    """Called once by the attach app at Django set-up."""
    global _connected, _clear
    _connected, _clear = connected, clear


def connected_agent_ids() -> set[str]:
    """Agents with at least one READY attachment on any live server process."""
    return _connected()


def clear_claims(agent_id: str, credential_key: str | None = None) -> None:
    """Drop the agent's attachment slot claims (all, or those made with one credential)."""
    _clear(agent_id, credential_key)
