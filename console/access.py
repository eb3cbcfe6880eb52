"""Who is using the console and what they may do (docs/protocol/auth.md §4 CONSOLE, §12; docs/protocol/http-api.md §8).

Three ways in: auth mode `none` (everything, no login), a static token carried by the
`moltnet_auth` cookie (observe → read-only, write → composer, admin → management), or a
Django staff user logged in with a password (superusers get every scope, staff observe only).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from agents.auth import Caller, Claims
from agents.policy import CONSOLE, credentials_of
from moltnet import state
from moltnet.errors import ApiError
from moltnet.network import can_send_human

ALL_SCOPES = frozenset({"observe", "write", "admin"})
USER_KEY_PREFIX = "console-user:"


@dataclass(frozen=True)
class ConsoleAccess:
    """The console's view of one request: a Caller for the services plus a label for people."""

    caller: Caller | None  # None: no valid credential — only the login page is shown
    source: str  # "none" (auth off), "token", "user", "anonymous" (public read) or "denied"
    who: str = ""
    error: str = ""

    @property
    def observe(self) -> bool:
        return self.caller is not None and self.caller.can_observe

    @property
    def admin(self) -> bool:
        return self.caller is not None and (self.caller.privileged_none or self.caller.has_any("admin"))

    @property
    def can_view_live(self) -> bool:
        """The live view: observers, plus anonymous visitors of a public-read network (public data only)."""
        return self.observe or (self.source == "anonymous" and self.caller is not None)

    @property
    def can_send_human(self) -> bool:
        return self.caller is not None and can_send_human(self.caller, state.config())

    @property
    def refusal_status(self) -> int:
        """The spec's status for a refused console request: 403 for a valid but under-scoped credential."""
        return 403 if self.error == "forbidden" else 401

    @property
    def api_base(self) -> str:
        """Where the live view's JavaScript reads the API: directly, or through the session proxy."""
        return "/console/api" if self.source == "user" else ""

    @property
    def scopes(self) -> list[str]:
        if self.caller is None:
            return []
        if self.caller.privileged_none:
            return sorted(ALL_SCOPES)
        return sorted(self.caller.claims.scopes) if self.caller.claims else []


def user_caller(user) -> Caller:
    """A Django staff user acts like a static token named after them (never an agent token)."""
    policy = state.auth_policy()
    scopes = ALL_SCOPES if user.is_superuser else frozenset({"observe"})
    key = USER_KEY_PREFIX + user.get_username()
    claims = Claims("static", scopes, frozenset(), key, token_id=key)
    return Caller(policy.mode, policy.public_read, policy.registration, claims)


def resolve(request: HttpRequest) -> ConsoleAccess:
    """Resolve (once per request) who is calling the console."""
    cached = getattr(request, "_console_access", None)
    if cached is not None:
        return cached
    access = _resolve(request)
    request._console_access = access
    return access


def _resolve(request: HttpRequest) -> ConsoleAccess:
    policy = state.auth_policy()
    if not policy.enabled:
        return ConsoleAccess(Caller(mode="none", path=request.path), "none", "open network (auth: none)")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return ConsoleAccess(user_caller(user), "user", f"user {user.get_username()}")
    try:
        caller = CONSOLE.authenticate(policy, credentials_of(request))
    except ApiError as exc:
        return ConsoleAccess(None, "denied", error=exc.message)
    if caller.claims is None:
        return ConsoleAccess(caller, "anonymous", "anonymous (public read)")
    return ConsoleAccess(caller, "token", f"token {caller.claims.token_id}")
