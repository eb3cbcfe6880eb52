"""The route table: every API view declares its method, spec pattern and auth class here.

`urlpatterns()` turns the table into Django URLs; a path answers each declared method and
405 for the rest. The auth class is enforced before the view runs, so a view cannot forget it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from agents.policy import AuthClass, RequestCredentials
from moltnet import state
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
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )


def allowed_methods(methods: dict[str, Route]) -> str:
    names = set(methods)
    if "GET" in names:
        names.add("HEAD")
    names |= {"GET", "HEAD"}  # the catch-all answers GET/HEAD on every path, as in Go
    return ", ".join(sorted(names))


def _dispatcher(pattern: str) -> Callable[..., HttpResponse]:
    def dispatch(request: HttpRequest, **params: str) -> HttpResponse:
        methods = ROUTES[pattern]
        method = "GET" if request.method == "HEAD" and "GET" in methods else request.method
        route = methods.get(method)
        if route is None:
            if request.method in ("GET", "HEAD"):
                from moltnet.views import catch_all

                return catch_all(request)
            request.route_label = request.path
            raise ApiError(405, "method not allowed", {"Allow": allowed_methods(methods)})
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
