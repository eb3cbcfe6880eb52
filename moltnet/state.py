"""Process-wide access to the effective config and the auth policy derived from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from moltnet.config import ServerConfig

# How a config becomes its auth policy: `agents` owns the policy and hands the factory over from its
# AppConfig.ready(), so this base module never imports the app above it.
_policy_factory: Callable[[ServerConfig], Any] | None = None
_policies: dict[int, tuple[ServerConfig, Any]] = {}


def register_policy_factory(factory: Callable[[ServerConfig], Any]) -> None:
    """Called once by agents at Django set-up: `factory(cfg)` builds the AuthPolicy for a config."""
    global _policy_factory
    _policy_factory = factory


def config() -> ServerConfig:
    return settings.MOLTNET


def auth_policy() -> Any:
    """The agents.auth.AuthPolicy for the current config (tests may swap settings.MOLTNET)."""
    cfg = config()
    entry = _policies.get(id(cfg))
    if entry is None or entry[0] is not cfg:
        if _policy_factory is None:
            raise RuntimeError("the auth policy is asked for before Django set-up (agents not ready)")
        entry = (cfg, _policy_factory(cfg))
        _policies[id(cfg)] = entry
    return entry[1]


def network_id() -> str:
    return config().network_id
