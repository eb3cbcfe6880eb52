"""`/mcp`: the MCP streamable HTTP transport, authenticated with the API's own bearer tokens.

Stateless, with JSON responses: every POST is one JSON-RPC exchange served by whichever process
receives it, so `/mcp` works behind the same proxy as the API with no session affinity, and a
blocking `wait_for_messages` is one long request. The SDK's session manager needs a running task
group; it is started on the first request (no ASGI lifespan needed: uvicorn under `moltnet start`
runs with lifespan off, Daphne under `runserver` too).

Who the caller acts as: an agent token acts as its agent; a static token (or `auth.mode: none`)
names the agent in the `X-Moltnet-Agent` header, checked against the token's `agents:` allowlist,
or acts as the one agent of a one-entry allowlist; without one it is an observer (no sending).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from agents.auth import Caller
from agents.policy import REQ
from attach import db
from attach.handshake import credentials, header_map, json_denial, request_id, send_denial
from mcpserver.local import LocalBackend
from mcpserver.tools import Agent, Backend, build_server
from moltnet import clientaddr, logformat, metrics, state
from moltnet.errors import ApiError
from moltnet.ids import member_id_error
from moltnet.middleware import ACCESS

AGENT_HEADER = "x-moltnet-agent"
SCOPE_KEY = "moltnet.mcp.backend"
AUTH = REQ()  # any valid credential (no scope required); 401 without one, as on the API
log = logging.getLogger("moltnet.http")
# The SDK logs two INFO lines per request ("Processing request of type …", "Terminating session");
# the access line (`_access_line`) says what happened. Its warnings and errors still show.
logging.getLogger("mcp").setLevel(logging.WARNING)


def agent_for(caller: Caller, requested: str) -> Agent | None:
    """The agent the caller acts as (see the module docstring); 403 when the token may not."""
    network = state.network_id()
    claims = caller.claims
    requested = requested.strip()
    if claims is not None and claims.is_agent_token:
        if requested and requested != claims.agent_id:
            raise ApiError(403, f'agent token is not valid for agent "{requested}"')
        return Agent(claims.agent_id, network)
    if requested:
        if err := member_id_error(requested):
            raise ApiError(400, f"X-Moltnet-Agent {err}")
        if claims is not None and not claims.allows_agent(requested):
            raise ApiError(403, f'agent "{requested}" is not allowed for this token')
        return Agent(requested, network)
    if claims is not None and len(claims.allowlist) == 1:
        return Agent(next(iter(claims.allowlist)), network)
    return None


def _authenticate(scope: dict, headers: dict[str, str]) -> LocalBackend:
    # Cookies are not read here: a browser page must not be able to drive tools with a console cookie.
    creds = dataclasses.replace(credentials(scope, headers), cookies={}, query={})
    caller = AUTH.authenticate(state.auth_policy(), creds)
    return LocalBackend(caller, agent_for(caller, headers.get(AGENT_HEADER, "")), scope)


class McpEndpoint:
    """ASGI app for `/mcp`."""

    def __init__(self) -> None:
        self.server = build_server(self._backend)
        self.manager: StreamableHTTPSessionManager | None = None
        self._started: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    def _backend(self) -> Backend:
        request = self.server.request_context.request
        return request.scope[SCOPE_KEY]

    async def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first request (or a new event loop): a manager runs once only
            self._loop, self._started = loop, asyncio.Event()
            self.manager = StreamableHTTPSessionManager(self.server, json_response=True, stateless=True)
            self._task = loop.create_task(self._run(self.manager, self._started))
        assert self._started is not None
        await self._started.wait()

    @staticmethod
    async def _run(manager: StreamableHTTPSessionManager, started: asyncio.Event) -> None:
        async with manager.run():
            started.set()
            await asyncio.Event().wait()  # for the life of the process

    async def __call__(self, scope: dict, receive, send) -> None:
        started = time.perf_counter()
        headers = header_map(scope)
        rid = request_id(headers)
        status = 0

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        token = logformat.request_id.set(rid)  # lines logged while serving it carry it
        try:
            try:
                backend = await db.run(_authenticate, scope, headers)
            except ApiError as exc:
                status = exc.status
                await send_denial(send, json_denial(exc, rid))
                return
            backend.request_id = rid  # the tools' API calls log under this request's id
            await self._ensure_running()
            assert self.manager is not None
            await self.manager.handle_request({**scope, SCOPE_KEY: backend}, receive, send_with_id)
        finally:
            logformat.request_id.reset(token)
            _access_line(scope, headers, rid, status, time.perf_counter() - started)


def _access_line(scope: dict, headers: dict[str, str], rid: str, status: int, elapsed: float) -> None:
    """As the API's: metrics by route, one INFO line (path only), the request id."""
    method = scope.get("method", "")
    metrics.observe_request(method, f"{method} /mcp", status, elapsed)
    if log.isEnabledFor(logging.INFO):
        log.info(ACCESS, {"method": method, "path": "/mcp", "route": f"{method} /mcp", "status": status,
                          "duration_ms": round(elapsed * 1000, 1), "request_id": rid,
                          "client": clientaddr.of_scope(scope, headers)})


endpoint = McpEndpoint()
