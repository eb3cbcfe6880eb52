"""Process-wide access to the effective config and the auth policy derived from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from moltnet.config import ServerConfig

if TYPE_CHECKING:
    from agents.auth import AuthPolicy

_policies: dict[int, tuple[ServerConfig, AuthPolicy]] = {}


def config() -> ServerConfig:
    return settings.MOLTNET


def auth_policy() -> AuthPolicy:
    """The policy for the current config (tests may swap settings.MOLTNET)."""
    from agents.auth import AuthPolicy

    cfg = config()
    entry = _policies.get(id(cfg))
    if entry is None or entry[0] is not cfg:
        entry = (cfg, AuthPolicy.from_config(cfg))
        _policies[id(cfg)] = entry
    return entry[1]


def network_id() -> str:
    return config().network_id
