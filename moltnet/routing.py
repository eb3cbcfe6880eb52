"""The route table: every API view declares its method, spec pattern and auth class here.

`urlpatterns()` turns the table into Django URLs; a path answers each declared method and
405 for the rest. The auth class is enforced before the view runs, so a view cannot forget it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from agents.policy import AuthClass, RequestCredentials
from moltnet import clientaddr, state
from moltnet.errors import ApiError


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # spec form, e.g. /v1/rooms/{roomID}
    auth: AuthClass
    view: Callable[..., HttpResponse]
    body: type | None = None  # request model (a GoModel), for the OpenAPI document

    @property
    def label(self) -> str:
        return f"{self.method} {self.pattern}"


ROUTES: dict[str, dict[str, Route]] = {}


def api(method: str, pattern: str, *, auth: AuthClass, body: type | None = None) -> Callable:
    """Declare a view for `method pattern` behind `auth`; the view gets (request, caller, **params).

    `body` names the request model so the OpenAPI document can describe it.
    """

    def register(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        ROUTES.setdefault(pattern, {})[method] = Route(method, pattern, auth, view, body)
        return view

    return register


def credentials_of(request: HttpRequest) -> RequestCredentials:
    headers = {k.lower(): v for k, v in request.headers.items()}
    return RequestCredentials(
        headers=headers,
        cookies=dict(request.COOKIES),
        path=request.path,
        query={k: request.GET.get(k, "") for k in request.GET},
        remote_addr=clientaddr.of_request(request),
    )


def allowed_methods(methods: dict[str, Route] | set[str]) -> str:
    names = set(methods)
    if "GET" in names:
        names.add("HEAD")
    names |= {"GET", "HEAD"}  # the catch-all answers GET/HEAD on every path, as in Go
    return ", ".join(sorted(names))


@functools.cache
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern)))


def _matches(path: str) -> list[tuple[str, dict[str, str]]]:
    """Every declared pattern matching `path`, literal ones first (the order Django tries them)."""
    found = []
    for pattern in sorted(ROUTES, key=lambda p: p.count("{")):
        if match := _pattern_regex(pattern).fullmatch(path):
            found.append((pattern, match.groupdict()))
    return found


def _route_for(method: str, candidates: list[tuple[str, dict[str, str]]]) -> tuple[Route, dict[str, str]] | None:
    for pattern, params in candidates:
        methods = ROUTES[pattern]
        wanted = "GET" if method == "HEAD" and "GET" in methods else method
        if wanted in methods:
            return methods[wanted], params
    return None


def _dispatcher(pattern: str) -> Callable[..., HttpResponse]:
    def dispatch(request: HttpRequest, **params: str) -> HttpResponse:
        from moltnet.views import canonical_redirect, catch_all

        if (redirect := canonical_redirect(request)) is not None:
            return redirect
        # Like Go's mux, a path matching several patterns is served by whichever declares the method:
        # GET /v1/agents/register is the agent "register", not a 405 from POST /v1/agents/register.
        candidates = [(pattern, params)]
        found = _route_for(request.method or "", candidates)
        if found is None:
            candidates += [m for m in _matches(request.path_info) if m[0] != pattern]
            found = _route_for(request.method or "", candidates)
        if found is None:
            if request.method in ("GET", "HEAD"):
                return catch_all(request)
            request.route_label = request.path
            methods = {name for candidate, _ in candidates for name in ROUTES[candidate]}
            raise ApiError(405, "method not allowed", {"Allow": allowed_methods(methods)})
        route, params = found
        request.route_label = route.label
        caller = route.auth.authenticate(state.auth_policy(), credentials_of(request))
        request.caller = caller
        response = route.view(request, caller, **params)
        if request.method == "HEAD":
            response.content = b""
        return response

    dispatch.csrf_exempt = True  # API callers authenticate with bearer tokens, not sessions
    return dispatch


def django_pattern(pattern: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<str:\1>", pattern.lstrip("/"))


def urlpatterns() -> list[URLPattern]:
    # Literal segments win over parameters (POST /v1/agents/register is not GET /v1/agents/{agentID}).
    ordered = sorted(ROUTES, key=lambda p: p.count("{"))
    return [path(django_pattern(p), _dispatcher(p)) for p in ordered]


def policy_table() -> list[tuple[str, str, str]]:
    """(method, pattern, auth class) for every declared route; used by docs and tests."""
    return [(r.method, r.pattern, str(r.auth)) for methods in ROUTES.values() for r in methods.values()]
