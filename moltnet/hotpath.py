"""The hot path: the routes agents hammer, served without Django's per-request handler cost.

Django's ASGI handler runs each request in a fresh thread-sensitive context: a thread is started
and joined per request, the request_started/finished receivers run, and the database connection
is opened and closed every time. For the sends and history reads that cap a network at a few
hundred requests a second. Here those routes are matched first and handed, as ordinary Django
requests, to the same route table and views, wrapped by the same ApiMiddleware (request id,
error envelope, metrics, access log); only the thread they run on differs:

- POST /v1/messages runs on the group-commit writer (moltnet.dbworkers) in two stages: its reads
  (authentication, the decoded body, the route's `check`) as soon as the writer takes it, while
  the rest of its batch arrives, then its writes in the batch's transaction, so concurrent sends
  share one commit and the 202 is sent only after it, from the event-loop call that settles the
  batch (`ANSWER_NOW`); the access log line and metrics follow it on the event loop;
- history pages and health checks run on long-lived reader threads.

A route is hot when its declaration says so: `@api(..., serve="write")` or `serve="read"`.
Everything else (the console, admin, pairing proxies, registration) stays on Django's handler.
"""

from __future__ import annotations

import asyncio
import functools
import io
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, resolve

from agents.ratelimit import early_refusal
from moltnet import dbworkers
from moltnet.middleware import ApiMiddleware
from moltnet.routing import ROUTES, Route, clean_path, prepare_call

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

MAX_BODY_KEPT = (1 << 20) + 1  # enough to tell "over the 1 MiB limit" apart; the rest is drained
# An ASGI scope extension: `write(status, headers, body) -> bool` sends a whole response at once
# from a plain callback (False: it could not, send as usual). attach.frontdoor offers it.
ANSWER_NOW = "moltnet.answer_now"


@functools.lru_cache(maxsize=4096)
def _hot_route(method: str, path: str) -> tuple[Route, ResolverMatch] | None:
    """The declared route and URL match of this request, if it is a hot one (cached: the same few
    paths come back all the time, and the URL table does not change at run time).

    Matched once, by Django's resolver over the route table's URLs; the dispatcher it resolves to
    names the declared pattern, whose route says whether it is hot (`@api(serve=...)`)."""
    if method not in ("GET", "POST") or clean_path(path) != path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    route = _declared(method, match)
    return (route, match) if route is not None and route.serve else None


def _declared(method: str, match: ResolverMatch) -> Route | None:
    return ROUTES.get(getattr(match.func, "pattern", ""), {}).get(method)


def _view(request: HttpRequest) -> HttpResponse:
    """The resolved dispatcher; an exception becomes the error envelope, as under Django's handler."""
    match = request.resolver_match
    try:
        return match.func(request, *match.args, **match.kwargs)
    except Exception as exc:
        return _serve.process_exception(request, exc)


_serve = ApiMiddleware(_view)

# Checks run on the event loop before a write is queued to the writer; one returning an ApiError
# answers the request with it instead (the send limiter's memory of refusals).
WRITE_GATES: list[Callable[[HttpRequest], Exception | None]] = [early_refusal]


def _refused(request: HttpRequest) -> HttpResponse:
    request.route_label = "POST /v1/messages"
    return _serve.process_exception(request, request.refusal)


_refuse = ApiMiddleware(_refused)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body (None if the client went away), keeping at most MAX_BODY_KEPT bytes."""
    chunks: list[bytes] = []
    kept = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body = message.get("body", b"")
        if body and kept < MAX_BODY_KEPT:
            body = body[: MAX_BODY_KEPT - kept]
            chunks.append(body)
            kept += len(body)
        if not message.get("more_body", False):
            return b"".join(chunks)


def response_head(response: HttpResponse) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """A non-streaming Django response's ASGI headers, as Django's ASGI handler makes them, plus
    Content-Length; and its body."""
    headers = [(k.encode("ascii"), v.encode("latin1")) for k, v in response.items()]
    headers += [(b"Set-Cookie", c.OutputString().encode("ascii")) for c in response.cookies.values()]
    body = response.content
    if not response.has_header("Content-Length"):
        headers.append((b"Content-Length", str(len(body)).encode("ascii")))
    return headers, body


async def send_response(send: Send, response: HttpResponse) -> None:
    """Write a non-streaming Django response the way Django's ASGI handler does, plus Content-Length."""
    headers, body = response_head(response)
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _AnswerNow:
    """A hot write's answer, written the moment its batch is settled (`on_result`, on the event
    loop), through the server's `ANSWER_NOW` extension: the answers of a batch leave together,
    ahead of the requests read while the batch was synced and of each other's bookkeeping."""

    __slots__ = ("sent", "write")

    def __init__(self, write: Callable[[int, list, bytes], bool]) -> None:
        self.write, self.sent = write, False

    def __call__(self, response: Any) -> None:
        if isinstance(response, HttpResponse) and not response.streaming:
            headers, body = response_head(response)
            self.sent = self.write(response.status_code, headers, body)


class HotPath:
    """ASGI app: the hot routes on long-lived database threads, everything else to `fallback`."""

    def __init__(self, fallback: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = _hot_route(scope.get("method", ""), scope.get("path", ""))
        if hot is None:
            return await self.fallback(scope, receive, send)
        route, match = hot
        body = await _read_body(receive)
        if body is None:  # the client went away before sending its body
            return None
        request = ASGIRequest(scope, io.BytesIO(body))
        request.resolver_match = match
        if route.serve != "write":
            await send_response(send, await _run(request, write=False))
            return None
        # A batch's answers are released together: each goes out first (from the call that settles
        # the batch, where the server offers that), and its metrics and access log line follow.
        write_now = scope.get("extensions", {}).get(ANSWER_NOW)
        answer = _AnswerNow(write_now) if write_now is not None else None
        response, started = await _staged_write(request, answer)
        try:
            if answer is None or not answer.sent:
                await send_response(send, response)
        finally:
            if started is not None:
                _serve.finish(request, response, started)
        return None


async def _run(request: HttpRequest, *, write: bool) -> HttpResponse:
    """A resolved request through the dispatcher and ApiMiddleware: a write in stages (after the
    write gates), anything else on a reader thread."""
    if not write:
        return await asyncio.wrap_future(dbworkers.readers.submit(functools.partial(_serve, request)))
    response, started = await _staged_write(request)
    if started is not None:
        _serve.finish(request, response, started)
    return response


async def _staged_write(request: HttpRequest, answer: _AnswerNow | None = None) -> tuple[HttpResponse, float | None]:
    """A write after the write gates, in stages: its response (X-Request-Id set, see `_enveloped`)
    and when it started; None when a gate refused it (that refusal's metrics and log line are
    done). `answer` gets the response as soon as it is known."""
    request.refusal = next((r for gate in WRITE_GATES if (r := gate(request)) is not None), None)
    if request.refusal:
        return _refuse(request), None
    started = time.perf_counter()
    _serve.begin(request)
    response = await dbworkers.writer.run_staged(functools.partial(_prepare_write, request), answer)
    return response, started


def _prepare_write(request: HttpRequest) -> HttpResponse | dbworkers.Write:
    """A write's reads, on the writer outside its transaction: the response if they decide it, else
    the write, to run in the batch's transaction."""
    finish = _enveloped(request, functools.partial(prepare_call, request))
    if isinstance(finish, HttpResponse):
        return finish
    return dbworkers.Write(functools.partial(_enveloped, request, finish))


def _enveloped[T](request: HttpRequest, step: Callable[[], T]) -> T | HttpResponse:
    """`step()` with the request's id on the lines it logs; an exception becomes the error envelope.
    A response it comes to carries the request's X-Request-Id from here (on the writer thread)."""
    with _serve.logging_as(request):
        try:
            result = step()
        except Exception as exc:
            result = _serve.process_exception(request, exc)
    return _serve.stamp(request, result) if isinstance(result, HttpResponse) else result


async def serve_in_process(request: HttpRequest) -> HttpResponse:
    """Serve a request built in-process (the MCP tools) exactly as HotPath serves a hot route, on the
    thread its route would use; any other API route on a reader thread (they only read)."""
    request.resolver_match = match = resolve(request.path)
    route = _declared(request.method or "", match)
    return await _run(request, write=route is not None and route.serve == "write")


def warm_up_reads() -> None:
    """A history read of a room that does not exist, through the dispatcher on this thread, its
    answer (a 404, or a 401) thrown away: no access log line, no metrics. The first client's read
    then finds the lazy set-up of authentication, the dispatcher and the ORM done (it cost that
    read ~2 ms, and made it the p99 of a short series)."""
    path = "/v1/rooms/moltnet-warm-up/messages"
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"limit=100", "headers": [], "client": ("127.0.0.1", 0), "server": None,
             "scheme": "http", "http_version": "1.1"}
    request = ASGIRequest(scope, io.BytesIO(b""))
    request.resolver_match = resolve(path)
    _serve.begin(request)
    _view(request)
