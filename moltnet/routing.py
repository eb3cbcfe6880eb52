"""The route table: every API view declares its method, spec pattern and auth class here.

`urlpatterns()` turns the table into Django URLs; a path answers each declared method and
405 for the rest. The auth class is enforced before the view runs, so a view cannot forget it.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import URLPattern, path

from moltnet.decoding import WireModel, decode_body
from moltnet.errors import ApiError


class Authenticator(Protocol):
    """A route's auth class (agents.policy.AuthClass): the request's caller, or an ApiError (401/403).

    The route table sits below the apps, so it knows an auth class only by this method."""

    def for_request(self, request: HttpRequest) -> Any: ...


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # spec form, e.g. /v1/rooms/{roomID}
    auth: Authenticator
    view: Callable[..., HttpResponse]
    body: type[WireModel] | None = None  # request model: decoded before the view, described by OpenAPI
    limit: Callable[[HttpRequest, Any], None] | None = None  # a rate check run before the body is read
    serve: str = ""  # "write" / "read": a hot route, served by moltnet.hotpath on the writer / a reader thread
    check: Callable[..., Any] | None = None  # read-only validation before the view; its result is `checked`
    # For the OpenAPI document only (moltnet.openapi reads nothing else):
    status: int = 200  # the success status
    page: bool = False  # takes the page parameters limit, before, after
    query: Mapping[str, str] = field(default_factory=dict)  # other query parameters: name → description
    required: tuple[str, ...] = ()  # the query parameters that must be given
    media: str = "application/json"  # the success body's media type

    @property
    def label(self) -> str:
        return f"{self.method} {self.pattern}"

    def call(self, request: HttpRequest, caller: Any, params: Mapping[str, str]) -> HttpResponse:
        """The view for an authenticated caller: the rate check, then the decoded body, then the view."""
        return self.finish(request, caller, self.prepare(request, caller, params))

    def prepare(self, request: HttpRequest, caller: Any, params: Mapping[str, str]) -> Prepared:
        """The part of a call that only reads: the decoded body, then the route's `check`.

        A refusal is kept, not raised: the rate check comes first (an over-limit caller is a 429
        whatever it sent), and it runs in `finish`, with the writes."""
        params = dict(params)
        try:
            if self.body is not None:
                params["body"] = decode_body(request.body, self.body)
            if self.check is not None:
                params["checked"] = self.check(request, caller, **params)
        except ApiError as refusal:
            return Prepared(params, refusal)
        return Prepared(params)

    def finish(self, request: HttpRequest, caller: Any, prepared: Prepared) -> HttpResponse:
        """The rest of a prepared call: the rate check, a kept refusal, then the view."""
        if self.limit is not None:
            self.limit(request, caller)
        if prepared.refusal is not None:
            raise prepared.refusal
        return self.view(request, caller, **prepared.params)


@dataclass(frozen=True)
class Prepared:
    """A call's decoded parameters (`body`, `checked`), or the refusal its reads came to."""

    params: dict[str, Any]
    refusal: ApiError | None = None


ROUTES: dict[str, dict[str, Route]] = {}


def api(method: str, pattern: str, *, auth: Authenticator, body: type[WireModel] | None = None,
        limit: Callable[[HttpRequest, Any], None] | None = None, serve: str = "",
        check: Callable[..., Any] | None = None, status: int = 200, page: bool = False,
        query: Mapping[str, str] | None = None, required: tuple[str, ...] = (),
        media: str = "application/json") -> Callable:
    """Declare a view for `method pattern` behind `auth`; the view gets (request, caller, **params).

    With `body`, the request body is decoded into that model (400 on failure) and passed as the
    `body` argument; the same model describes the body in the OpenAPI document. `limit` runs
    after authentication and before the body is read (an over-limit caller is a 429 whatever
    it sent). `serve` marks a hot route (see moltnet.hotpath). `check(request, caller, **params)`
    validates without writing; its result reaches the view as `checked` (a hot write runs it on a
    reader connection, before the write is queued to the writer). `status`, `page`, `query`,
    `required` and `media` describe the route in the OpenAPI document, which is generated from
    these declarations alone.
    """

    def register(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        if serve not in ("", "write", "read"):
            raise ValueError(f"{method} {pattern}: serve must be 'write' or 'read', not {serve!r}")
        ROUTES.setdefault(pattern, {})[method] = Route(method, pattern, auth, view, body, limit, serve, check,
                                                       status, page, dict(query or {}), required, media)
        return view

    return register


# What a GET or HEAD matching no declared route gets. moltnet.urls installs the catch-all (it
# reaches the console, a layer above this table); until then such a request is a 404.
fallback: Callable[[HttpRequest], HttpResponse] | None = None


def clean_path(path: str) -> str:
    """Go's path.Clean for request paths: no `//`, `.` or `..` segments; a trailing slash is kept."""
    cleaned = posixpath.normpath("/" + path.lstrip("/"))
    cleaned = "/" + cleaned.lstrip("/")  # normpath keeps a leading "//"
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


def canonical_redirect(request: HttpRequest) -> HttpResponse | None:
    """Go's router: a non-canonical path gets 301 to the cleaned path, for every method and before
    any route matches (`/v1/rooms/./messages` is not the room ".")."""
    cleaned = clean_path(request.path)
    if cleaned == request.path:
        return None
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(cleaned + (f"?{query}" if query else ""))


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
        if (redirect := canonical_redirect(request)) is not None:
            return redirect
        authorized = _authorized(request, pattern, params)
        if isinstance(authorized, HttpResponse):
            return authorized
        route, caller, params = authorized
        response = route.call(request, caller, params)
        if request.method == "HEAD":
            response.content = b""
        return response

    dispatch.csrf_exempt = True  # API callers authenticate with bearer tokens, not sessions
    dispatch.pattern = pattern  # the declared pattern a resolved request matched (see moltnet.hotpath)
    return dispatch


def _authorized(request: HttpRequest, pattern: str,
                params: dict[str, str]) -> tuple[Route, Any, dict[str, str]] | HttpResponse:
    """The route serving this request, its authenticated caller and its path parameters; or the
    catch-all's response to a GET matching no declared route."""
    # Like Go's mux, a path matching several patterns is served by whichever declares the method:
    # GET /v1/agents/register is the agent "register", not a 405 from POST /v1/agents/register.
    candidates = [(pattern, params)]
    found = _route_for(request.method or "", candidates)
    if found is None:
        candidates += [m for m in _matches(request.path_info) if m[0] != pattern]
        found = _route_for(request.method or "", candidates)
    if found is None:
        if request.method in ("GET", "HEAD"):
            if fallback is None:
                raise ApiError(404, f"no route for {request.path}")
            return fallback(request)
        request.route_label = request.path
        methods = {name for candidate, _ in candidates for name in ROUTES[candidate]}
        raise ApiError(405, "method not allowed", {"Allow": allowed_methods(methods)})
    route, params = found
    request.route_label = route.label
    caller = route.auth.for_request(request)
    request.caller = caller
    return route, caller, params


def prepare_call(request: HttpRequest) -> Callable[[], HttpResponse] | HttpResponse:
    """A resolved, canonical request's reads — route, authenticated caller, Route.prepare — now,
    and the rest of the call (Route.finish) as the function returned. Raises the errors
    dispatching would (404, 405, 401, 403); a response decided without the view is returned."""
    match = request.resolver_match
    authorized = _authorized(request, match.func.pattern, match.kwargs)
    if isinstance(authorized, HttpResponse):
        return authorized
    route, caller, params = authorized
    return functools.partial(route.finish, request, caller, route.prepare(request, caller, params))


def django_pattern(pattern: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<str:\1>", pattern.lstrip("/"))


def urlpatterns() -> list[URLPattern]:
    return [_url(p) for p in _ordered()]


def policy_table() -> list[tuple[str, str, str]]:
    """(method, pattern, auth class) for every declared route; used by docs and tests."""
    return [(r.method, r.pattern, str(r.auth)) for methods in ROUTES.values() for r in methods.values()]
