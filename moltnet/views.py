"""Health, metrics, the network document and the catch-all (docs/protocol/http-api.md §2, §3, §1.1)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt

from agents.auth import Caller
from agents.policy import HEALTH, PUB, REQ
from moltnet import metrics, state
from moltnet.console_bootstrap import bootstrap_redirect
from moltnet.errors import ApiError
from moltnet.network import network_json
from moltnet.responses import json_response
from moltnet.routing import api, canonical_redirect
from pairings.status import network_warnings


def store_healthy() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        healthy = True
    except Exception:
        healthy = False
    metrics.store_health.set(1 if healthy else 0)
    return healthy


@api("GET", "/healthz", auth=HEALTH, serve="read")
def healthz(request: HttpRequest, caller: Caller) -> HttpResponse:
    if not store_healthy():
        raise ApiError(503)
    return json_response({"status": "ok"})


@api("GET", "/readyz", auth=HEALTH, serve="read")
def readyz(request: HttpRequest, caller: Caller) -> HttpResponse:
    if not store_healthy():
        raise ApiError(503)
    return json_response({"status": "ready"})


@api("GET", "/metrics", auth=REQ("admin"), media="text/plain")
def metrics_view(request: HttpRequest, caller: Caller) -> HttpResponse:
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)


@api("GET", "/v1/network", auth=PUB("observe", "admin", "pair", "attach"))
def network(request: HttpRequest, caller: Caller) -> HttpResponse:
    cfg = state.config()
    return json_response(network_json(cfg, caller, network_warnings()))


@csrf_exempt
def catch_all(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Unmatched paths: JSON 404 under /v1/ (an improvement on Go's redirect), else the console."""
    if (redirect := canonical_redirect(request)) is not None:
        return redirect
    if request.method not in ("GET", "HEAD"):
        raise ApiError(405, "method not allowed", {"Allow": "GET, HEAD"})
    request.route_label = "GET /"  # Go's catch-all pattern, also for HEAD
    if request.path.startswith("/v1/") or request.path == "/v1":
        raise ApiError(404, f"no route for {request.path}")
    return bootstrap_redirect(request) or HttpResponseRedirect("/console/", status=307)
