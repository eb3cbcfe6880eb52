"""Console pages: the live view, sign-in/out, static assets and the staff-session API bridge."""

from __future__ import annotations

import mimetypes
from functools import update_wrapper

from django.contrib import auth
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from agents.auth import resolve_claims
from console import access
from moltnet import routing, state
from moltnet.console_bootstrap import bootstrap_redirect
from moltnet.errors import ApiError
from moltnet.network import network_json
from pairings.status import network_warnings

COOKIE = "moltnet_auth"


def bootstrapped(view):
    """Run the cookie bootstrap (docs/protocol/auth.md §12) before any console view, credential or not."""

    def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        method = "GET" if request.method == "HEAD" else request.method
        request.route_label = f"{method} /console/"  # Go's pattern (HEAD is served by GET), for metrics
        if (redirect := bootstrap_redirect(request)) is not None:  # GET and HEAD only
            return redirect
        response = view(request, *args, **kwargs)
        response.setdefault("X-Frame-Options", "DENY")  # console pages act with the operator's cookie
        return response

    inner.csrf_exempt = getattr(view, "csrf_exempt", False)
    return update_wrapper(inner, view)


def console_root(request: HttpRequest) -> HttpResponse:
    """GET /console: the bootstrap, then CONSOLE auth, then 307 to /console/ (docs/protocol/http-api.md §8)."""
    request.route_label = "GET /console"
    if (redirect := bootstrap_redirect(request)) is not None:
        return redirect
    who = access.resolve(request)
    if not who.can_view_live:
        return login_page(request, status=who.refusal_status)
    return HttpResponseRedirect("/console/", status=307)


def analytics_id() -> str:
    """The Google tag measurement id when `server.console.analytics` is configured (docs/protocol/http-api.md §8)."""
    cfg = state.config()
    return cfg.analytics_measurement_id if cfg.analytics_provider == "google" else ""


def login_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    """The only page shown without a credential: a token field and a staff sign-in form."""
    who = access.resolve(request)
    presented = bool(request.COOKIES.get(COOKIE) or request.headers.get("Authorization"))
    if not error and presented and who.error and who.error != "authorization required":
        # A stale, wrong or under-scoped cookie says so instead of silently looping.
        error = "this token may not observe the network" if who.error == "forbidden" else who.error
    # Nothing about the network itself, not even its name, before a credential is shown.
    context = {"error": error, "analytics_id": analytics_id(),
               "next": request.GET.get("next", "") or request.path}
    return render(request, "console/login.html", context, status=status)


@csrf_protect
def login_view(request: HttpRequest) -> HttpResponse:
    """POST a token (kept as the spec's HttpOnly cookie) or a Django staff user's password."""
    if request.method != "POST":
        if access.resolve(request).observe:
            return HttpResponseRedirect("/console/")
        return login_page(request)
    target = _safe_next(request.POST.get("next", ""))
    token = request.POST.get("access_token", "").strip()
    if token:
        try:
            claims = resolve_claims(state.auth_policy(), token, accept_agent_tokens=False)
        except ApiError as exc:
            return login_page(request, status=401, error=exc.message)
        if not claims.has_any("observe", "admin"):
            return login_page(request, status=403, error="this token may not observe the network")
        response = HttpResponseRedirect(target)
        forwarded = request.headers.get("X-Forwarded-Proto", "").strip().lower()
        secure = request.is_secure() or (state.config().trust_forwarded_proto and forwarded == "https")
        response.set_cookie(COOKIE, token, path="/", httponly=True, samesite="Lax", secure=secure)
        return response
    user = auth.authenticate(request, username=request.POST.get("username", ""),
                             password=request.POST.get("password", ""))
    if user is None or not (user.is_active and user.is_staff):
        return login_page(request, status=401, error="unknown user or wrong password")
    auth.login(request, user)
    return HttpResponseRedirect(target)


@require_POST
@csrf_protect
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    response = HttpResponseRedirect("/console/login/")
    response.delete_cookie(COOKIE, path="/", samesite="Lax")
    return response


def _safe_next(target: str) -> str:
    return target if target.startswith("/console/") and not target.startswith("/console/login") else "/console/"


def live(request: HttpRequest) -> HttpResponse:
    """The live view shell; the sidebar and timeline are filled from the API by console.js."""
    who = access.resolve(request)
    if not who.can_view_live:
        return login_page(request, status=who.refusal_status)
    cfg = state.config()
    boot = {
        "api": who.api_base,
        "network": network_json(cfg, who.caller, network_warnings()),
        "who": who.who,
        "source": who.source,
        "scopes": who.scopes,
        "can_manage": who.observe,
        "page_size": 50,
    }
    return render(request, "console/live.html", {
        "network_name": cfg.network_name, "who": who, "boot": boot, "analytics_id": analytics_id(),
    })


def static_asset(request: HttpRequest, asset: str) -> HttpResponse:
    """Console and admin assets (CSS/JS only, no data), so the login page can be styled."""
    found = None if ".." in asset.split("/") else finders.find(asset)
    if not found:
        return HttpResponseNotFound("not found", content_type="text/plain")
    content_type, _ = mimetypes.guess_type(found)
    response = FileResponse(open(found, "rb"), content_type=content_type or "application/octet-stream")  # noqa: SIM115
    response["Cache-Control"] = "public, max-age=3600"
    return response


def api_proxy(request: HttpRequest, rest: str) -> HttpResponse:
    """The API for a Django staff session: the same route views, called with the user's Caller.

    Token sessions talk to /v1/... directly with their cookie; a password session has no
    token, so the live view reads through here instead. Scopes are checked as the route would.
    """
    who = access.resolve(request)
    if who.source != "user":
        raise ApiError(404, f"no route for {request.path}")
    target = "/" + rest
    try:
        match = resolve(target)
    except Resolver404 as exc:
        raise ApiError(404, f"no route for {target}") from exc
    spec_pattern = spec_patterns().get(match.route)
    routes = routing.ROUTES.get(spec_pattern or "", {})
    route = routes.get("GET" if request.method == "HEAD" else request.method)
    if route is None:
        raise ApiError(404, f"no route for {target}")
    if route.auth.scopes and not who.caller.has_any(*route.auth.scopes):
        raise ApiError(403, "forbidden")
    if request.method not in ("GET", "HEAD"):
        from django.middleware.csrf import CsrfViewMiddleware

        # A session cookie authenticates here, so writes must prove they come from the console page.
        if (reason := CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})) is not None:
            return reason
    request.route_label = route.label
    return route.call(request, who.caller, match.kwargs)


def spec_patterns() -> dict[str, str]:
    """Django route string → spec pattern (computed lazily: routes register on import)."""
    return {routing.django_pattern(p): p for p in routing.ROUTES}


api_proxy.csrf_exempt = True  # checked above only for writes, after the session is known
