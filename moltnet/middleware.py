"""Request ids, the error envelope for every failure, access logs and HTTP metrics."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from moltnet import clientaddr, jsonshape, logformat, logwriter, metrics
from moltnet.errors import ApiError, error_envelope
from moltnet.ids import new_request_id, trim

log = logging.getLogger("moltnet.http")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ACCESS = "%(method)s %(path)s %(status)d %(duration_ms).1fms"


def json_error(status: int, message: str, request_id: str, headers: dict[str, str] | None = None) -> HttpResponse:
    body = jsonshape.dumps(error_envelope(status, message, request_id)) + "\n"
    response = HttpResponse(body, status=status, content_type="application/json")
    for key, value in (headers or {}).items():
        response[key] = value
    return response


class ApiMiddleware:
    """Outermost project middleware: every response gets X-Request-Id; errors get the envelope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        self.begin(request)
        with self.logging_as(request):
            response = self.get_response(request)
        return self.end(request, response, started)

    # The three steps of __call__, for a request served in stages on several threads (moltnet.hotpath).
    @staticmethod
    def begin(request: HttpRequest) -> None:
        """Give the request its id (the caller's X-Request-Id when well formed)."""
        incoming = trim(request.META.get("HTTP_X_REQUEST_ID"))  # META: request.headers would parse them all
        request.request_id = incoming if REQUEST_ID.fullmatch(incoming) else new_request_id()
        request.route_label = request.path

    @staticmethod
    @contextlib.contextmanager
    def logging_as(request: HttpRequest) -> Iterator[None]:
        """Lines logged inside this block, on this thread, carry the request's id."""
        token = logformat.request_id.set(request.request_id)
        try:
            yield
        finally:
            logformat.request_id.reset(token)

    def end(self, request: HttpRequest, response: HttpResponse, started: float) -> HttpResponse:
        """The response's X-Request-Id; then, unless it streams, its metrics and access log line."""
        self.stamp(request, response)
        if not getattr(response, "streaming", False):
            self.finish(request, response, started)
        return response

    @staticmethod
    def stamp(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """`end`'s first half: the X-Request-Id the client sees."""
        response["X-Request-Id"] = request.request_id
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        rid = getattr(request, "request_id", "")
        if isinstance(exc, ApiError):
            return json_error(exc.status, exc.message, rid, exc.headers)
        if isinstance(exc, RequestDataTooBig):
            return json_error(400, "http: request body too large", rid)
        log.exception("unhandled error on %(method)s %(path)s", {"method": request.method, "path": request.path,
                                                                 "request_id": rid})
        return json_error(500, "", rid)

    @staticmethod
    def finish(request: HttpRequest, response: HttpResponse, started: float) -> None:
        """`end`'s second half: the request's metrics and access log line."""
        elapsed = time.perf_counter() - started
        # A HEAD served by a GET route keeps method="HEAD" with the GET route label
        # (docs/protocol/discovery-metrics.md §6.3).
        metrics.observe_request(request.method, request.route_label, response.status_code, elapsed)
        # Path only: query strings may carry access tokens and are never logged. One call; the
        # mapping is formatted only when INFO is enabled (text shows the request id after the
        # message, JSON every field).
        if log.isEnabledFor(logging.INFO):
            logwriter.log_access(log, ACCESS, {
                "method": request.method, "path": request.path, "route": request.route_label,
                "status": response.status_code, "duration_ms": round(elapsed * 1000, 1),
                "request_id": request.request_id, "client": clientaddr.of_request(request)})
