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

from agents.auth import Caller
from agents.policy import AuthClass, RequestCredentials
from moltnet import clientaddr, state
from moltnet.decoding import WireModel, decode_body
from moltnet.errors import ApiError


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # spec form, e.g. /v1/rooms/{roomID}
    auth: AuthClass
    view: Callable[..., HttpResponse]
    body: type[WireModel] | None = None  # request model: decoded before the view, described by OpenAPI
    limit: Callable[[HttpRequest, Caller], None] | None = None  # a rate check run before the body is read

    @property
    def label(self) -> str:
        return f"{self.method} {self.pattern}"


ROUTES: dict[str, dict[str, Route]] = {}


def api(method: str, pattern: str, *, auth: AuthClass, body: type[WireModel] | None = None,
        limit: Callable[[HttpRequest, Caller], None] | None = None) -> Callable:
    """Declare a view for `method pattern` behind `auth`; the view gets (request, caller, **params).

    With `body`, the request body is decoded into that model (400 on failure) and passed as the
    `body` argument; the same model describes the body in the OpenAPI document. `limit` runs
    after authentication and before the body is read (an over-limit caller is a 429 whatever
    it sent).
    """

    def register(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        ROUTES.setdefault(pattern, {})[method] = Route(method, pattern, auth, view, body, limit)
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


def _ordered() -> list[str]:
    """Declared patterns, literal segments first: POST /v1/agents/register is not GET /v1/agents/{agentID}."""
    return sorted(ROUTES, key=lambda p: p.count("{"))


@functools.cache
def _url(pattern: str) -> URLPattern:
    """The one Django URL of a declared pattern: Django's resolver and the dispatcher both match with it."""
    view = _dispatcher(pattern)
    return path(django_pattern(pattern), view)


def _matches(path_info: str) -> list[tuple[str, dict[str, str]]]:
    """Every declared pattern matching `path_info`, in the order Django tries them."""
    found = []
    for pattern in _ordered():
        if (match := _url(pattern).resolve(path_info.removeprefix("/"))) is not None:
            found.append((pattern, match.kwargs))
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
        if route.limit is not None:
            route.limit(request, caller)
        if route.body is not None:
            params = {**params, "body": decode_body(request.body, route.body)}
        response = route.view(request, caller, **params)
        if request.method == "HEAD":
            response.content = b""
        return response

    dispatch.csrf_exempt = True  # API callers authenticate with bearer tokens, not sessions
    dispatch.pattern = pattern  # the declared pattern a resolved request matched (see moltnet.hotpath)
    return dispatch


def django_pattern(pattern: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<str:\1>", pattern.lstrip("/"))


def urlpatterns() -> list[URLPattern]:
    return [_url(p) for p in _ordered()]


def policy_table() -> list[tuple[str, str, str]]:
    """(method, pattern, auth class) for every declared route; used by docs and tests."""
    return [(r.method, r.pattern, str(r.auth)) for methods in ROUTES.values() for r in methods.values()]
