"""Route authentication classes (docs/protocol/auth.md §4): each route declares one; this is the only place
where a request's credential is turned into a Caller or refused."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest

from agents.audit import note_auth_failure
from agents.auth import AuthPolicy, Caller, Claims, RequestCredentials, credentials_of, resolve_claims
from moltnet import state
from moltnet.errors import ApiError

log = logging.getLogger("moltnet.auth")
# 401s caused by a presented-but-bad credential (not by a missing one): audited in bursts.
BAD_CREDENTIAL = ("invalid token", "invalid authorization header", "authorization token is required")


def _note_failure(remote_addr: str, reason: str) -> None:
    try:
        note_auth_failure(remote_addr, reason)
    except Exception:  # auditing must never turn a 401 into a 500
        log.warning("could not record an authentication failure", exc_info=True)


def _caller(policy: AuthPolicy, creds: RequestCredentials, claims: Claims | None = None) -> Caller:
    if not policy.enabled:
        return Caller(mode="none", remote_addr=creds.remote_addr, path=creds.path)
    return Caller(policy.mode, policy.public_read, policy.registration, claims, creds.remote_addr, creds.path)


@dataclass(frozen=True)
class AuthClass:
    """One row of the route-class table: `kind` plus the scopes it accepts."""

    kind: str
    scopes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(self.scopes)})" if self.scopes else self.kind

    def for_request(self, request: HttpRequest) -> Caller:
        """The caller of a Django request under the running config's policy (what the route table calls)."""
        return self.authenticate(state.auth_policy(), credentials_of(request))

    def authenticate(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        handler = getattr(self, f"_{self.kind.lower()}")
        try:
            return handler(policy, creds)
        except ApiError as exc:
            if exc.status == 401 and exc.message in BAD_CREDENTIAL:
                _note_failure(creds.remote_addr, exc.message)
            raise

    # --- helpers -----------------------------------------------------------------------
    def _required(self, policy: AuthPolicy, creds: RequestCredentials, scopes: tuple[str, ...],
                  *, agent_tokens: bool = True) -> Caller:
        token = creds.token()
        if token is None:
            raise ApiError(401, "authorization required")
        claims = resolve_claims(policy, token, accept_agent_tokens=agent_tokens)
        if scopes and not claims.has_any(*scopes):
            raise ApiError(403, "forbidden")
        return _caller(policy, creds, claims)

    def _optional(self, policy: AuthPolicy, creds: RequestCredentials, scopes: tuple[str, ...],
                  *, agent_tokens: bool = True) -> Caller:
        """public_read on: anonymous allowed, under-scoped treated as anonymous, bad → 401."""
        token = creds.token()
        if token is None:
            return _caller(policy, creds)
        claims = resolve_claims(policy, token, accept_agent_tokens=agent_tokens)
        if scopes and not claims.has_any(*scopes):
            return _caller(policy, creds)
        return _caller(policy, creds, claims)

    def _gated(self, policy: AuthPolicy, creds: RequestCredentials, scopes: tuple[str, ...]) -> Caller:
        """Anonymous allowed, but a valid credential lacking the scopes is 403."""
        token = creds.token()
        if token is None:
            return _caller(policy, creds)
        claims = resolve_claims(policy, token)
        if not claims.has_any(*scopes):
            raise ApiError(403, "forbidden")
        return _caller(policy, creds, claims)

    # --- the classes -------------------------------------------------------------------
    def _open(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        return _caller(policy, creds)

    def _health(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        if policy.public_read:
            token = creds.token()
            if token is not None:
                resolve_claims(policy, token)
        return _caller(policy, creds)

    def _req(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        if not policy.enabled:
            return _caller(policy, creds)
        return self._required(policy, creds, self.scopes)

    def _pub(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        if not policy.enabled:
            return _caller(policy, creds)
        if not policy.public_read:
            return self._required(policy, creds, self.scopes)
        return self._optional(policy, creds, self.scopes)

    _stream = _pub
    _skill = _pub

    def _reg(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        if not policy.enabled:
            return _caller(policy, creds)
        if policy.registration == "open":
            return self._gated(policy, creds, ("admin", "attach"))
        scopes = ("admin",) if policy.registration == "disabled" else ("admin", "attach")
        return self._required(policy, creds, scopes)

    def _attach(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        if not policy.enabled:
            return _caller(policy, creds)
        if policy.registration == "open":
            return self._gated(policy, creds, ("attach",))
        return self._required(policy, creds, ("attach",))

    def _console(self, policy: AuthPolicy, creds: RequestCredentials) -> Caller:
        if not policy.enabled:
            return _caller(policy, creds)
        if not policy.public_read:
            return self._required(policy, creds, ("observe", "admin"), agent_tokens=False)
        return self._optional(policy, creds, ("observe", "admin"))


OPEN = AuthClass("OPEN")
HEALTH = AuthClass("HEALTH")
REG = AuthClass("REG")
ATTACH = AuthClass("ATTACH")
CONSOLE = AuthClass("CONSOLE")


def REQ(*scopes: str) -> AuthClass:  # noqa: N802 - reads like the spec's table
    return AuthClass("REQ", scopes)


def PUB(*scopes: str) -> AuthClass:  # noqa: N802
    return AuthClass("PUB", scopes)


STREAM = AuthClass("STREAM", ("observe", "admin"))
SKILL = AuthClass("SKILL", ("observe", "write", "admin", "attach"))
