"""Who is calling: credentials, claims and the route authentication classes (docs/protocol/auth.md §1–§5).

Views never read headers themselves; each route declares one auth class and receives a Caller.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from django.http import HttpRequest

from agents.models import AgentRegistration
from moltnet import clientaddr
from moltnet.config import ServerConfig
from moltnet.errors import ApiError
from moltnet.ids import default_token_id, sha256_hex, trim

ANONYMOUS_KEY = "anonymous"
AGENT_TOKEN_PREFIX = "magt_v1_"


@dataclass(frozen=True)
class Claims:
    """What a valid credential grants."""

    kind: str  # "static" or "agent"
    scopes: frozenset[str]
    allowlist: frozenset[str]
    key: str  # credential identity key: token:<id> or agent-token:<sha256>
    token_id: str = ""
    agent_id: str = ""

    @property
    def is_static(self) -> bool:
        return self.kind == "static"

    @property
    def is_agent_token(self) -> bool:
        return self.kind == "agent"

    def has_any(self, *scopes: str) -> bool:
        return any(s in self.scopes for s in scopes)

    def allows_agent(self, agent_id: str) -> bool:
        return not self.allowlist or agent_id in self.allowlist


@dataclass
class Caller:
    """The request's auth context as the services see it (docs/protocol/auth.md §3, §5)."""

    mode: str = "none"  # effective mode for service logic
    public_read: bool = False
    registration: str = "disabled"
    claims: Claims | None = None
    remote_addr: str = ""
    path: str = ""

    @property
    def privileged_none(self) -> bool:
        return self.mode == "none"

    @property
    def authenticated(self) -> bool:
        return self.claims is not None

    @property
    def key(self) -> str:
        return self.claims.key if self.claims else ANONYMOUS_KEY

    def has_any(self, *scopes: str) -> bool:
        return bool(self.claims and self.claims.has_any(*scopes))

    @property
    def can_observe(self) -> bool:
        """Full read access: mode none, or observe/admin claims."""
        return self.privileged_none or self.has_any("observe", "admin")


@dataclass
class StaticToken:
    digest: bytes
    token_id: str
    scopes: frozenset[str]
    allowlist: frozenset[str]


@dataclass
class AuthPolicy:
    """Built once from config; static token values are kept only as SHA-256 digests."""

    mode: str = "none"
    public_read: bool = False
    registration: str = "disabled"
    tokens: list[StaticToken] = field(default_factory=list)

    @classmethod
    def from_config(cls, cfg: ServerConfig) -> AuthPolicy:
        tokens = [
            StaticToken(
                digest=hashlib.sha256(trim(t.value).encode()).digest(),
                token_id=trim(t.id) or default_token_id(t.value),
                scopes=frozenset(trim(s) for s in t.scopes),
                allowlist=frozenset(trim(a) for a in t.agents if trim(a)),
            )
            for t in cfg.tokens
            # Tokens are ignored entirely in mode none (docs/protocol/auth.md §1).
            if trim(t.value) and cfg.auth_mode != "none"
        ]
        return cls(cfg.auth_mode, cfg.public_read, cfg.agent_registration, tokens)

    @property
    def enabled(self) -> bool:
        return self.mode != "none"

    def match_static(self, token: str) -> Claims | None:
        digest = hashlib.sha256(trim(token).encode()).digest()
        found = None
        for static in self.tokens:
            # Compare every entry so timing does not reveal which one matched.
            if hmac.compare_digest(digest, static.digest) and found is None:
                found = static
        if found is None:
            return None
        return Claims("static", found.scopes, found.allowlist, f"token:{found.token_id}", token_id=found.token_id)


def agent_token_key(token: str) -> str:
    return "agent-token:" + sha256_hex(trim(token))


def lookup_agent_token(token: str) -> Claims | None:
    """Resolve a generated agent token through the registry (stored only as a derived key)."""
    if not trim(token).startswith(AGENT_TOKEN_PREFIX):
        return None
    key = agent_token_key(token)
    registration = AgentRegistration.objects.filter(credential_key=key).order_by("agent_id").first()
    if registration is None:
        return None
    return Claims("agent", frozenset({"write", "attach"}), frozenset({registration.agent_id}), key,
                  agent_id=registration.agent_id)


def read_credential(headers: dict[str, str], cookies: dict[str, str], path: str, query: dict[str, str]) -> str | None:
    """Spec 03 §2.1: header, then cookie, then ?access_token on console paths. None = anonymous."""
    header = trim(headers.get("authorization"))
    if header:
        if not header.startswith("Bearer "):
            raise ApiError(401, "invalid authorization header")
        token = trim(header[len("Bearer ") :])
        if not token:
            raise ApiError(401, "authorization token is required")
        return token
    cookie = trim(cookies.get("moltnet_auth"))
    if cookie:
        return cookie
    if path == "/console" or path.startswith("/console/"):
        query_token = trim(query.get("access_token"))
        if query_token:
            return query_token
    return None


def resolve_claims(policy: AuthPolicy, token: str, *, accept_agent_tokens: bool = True) -> Claims:
    claims = policy.match_static(token)
    if claims is None and accept_agent_tokens:
        claims = lookup_agent_token(token)
    if claims is None:
        raise ApiError(401, "invalid token")
    return claims


@dataclass(frozen=True)
class RequestCredentials:
    """The parts of a request that carry credentials."""

    headers: dict[str, str]
    cookies: dict[str, str]
    path: str
    query: dict[str, str]
    remote_addr: str = ""

    def token(self) -> str | None:
        return read_credential(self.headers, self.cookies, self.path, self.query)



def credentials_of(request: HttpRequest) -> RequestCredentials:
    """The credential-bearing parts of a Django request: the Authorization header, the console
    cookie and, on console paths, ?access_token (only these: every API request comes here)."""
    meta = request.META
    headers = {"authorization": meta["HTTP_AUTHORIZATION"]} if "HTTP_AUTHORIZATION" in meta else {}
    cookies = {"moltnet_auth": request.COOKIES.get("moltnet_auth", "")} if "HTTP_COOKIE" in meta else {}
    path = request.path
    query = {"access_token": request.GET.get("access_token", "")} if meta.get("QUERY_STRING") else {}
    return RequestCredentials(headers=headers, cookies=cookies, path=path, query=query,
                              remote_addr=clientaddr.of_request(request))
