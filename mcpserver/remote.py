"""The backend of `moltnet mcp` (stdio): the same tools, performed over the HTTP API of a server.

Reads and sends are the API calls the CLI makes, with the workspace's token. The API has no
long-poll of the event log, so waiting is the server's own `wait_for_messages` over `/mcp`, and
which tools to list is the server's answer for this token too (it knows the token's scopes; the
client does not). Against a server without `/mcp` (the Go server) every tool but waiting and
search is listed, and the API's answers still decide what each call may do.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.server.stdio import stdio_server

from mcpserver.tools import Agent, Grants, ToolError, build_server

API_TIMEOUT = 10.0  # as the CLI's HTTP client
WITHOUT_MCP = Grants(write=True, read=True)
T = TypeVar("T")


def _error_text(response: httpx.Response) -> str:
    try:
        message = response.json().get("error") or ""
    except (ValueError, AttributeError):
        message = response.text.strip()[:200]
    return f"{response.status_code} {message}".strip()


class RemoteBackend:
    def __init__(self, base_url: str, token: str, agent: Agent) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.agent = agent
        self.headers = {"X-Moltnet-Agent": agent.id}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self._grants: Grants | None = None
        self._http: httpx.AsyncClient | None = None  # one keep-alive client for the API calls

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def api(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        if self._http is None:
            auth = {k: v for k, v in self.headers.items() if k == "Authorization"}
            self._http = httpx.AsyncClient(headers=auth, timeout=API_TIMEOUT, follow_redirects=True)
        try:
            response = await self._http.request(method, self.base_url + path, params=query, json=body)
        except httpx.HTTPError as exc:
            raise ToolError(f"cannot reach the Moltnet server at {self.base_url}: {exc or type(exc).__name__}") \
                from None
        if not 200 <= response.status_code < 300:
            raise ToolError(_error_text(response))
        return response.json() if response.content else {}

    async def _with_session(self, timeout: float, use: Callable[[ClientSession], Awaitable[T]]) -> T:
        """One exchange with the server's `/mcp` (stateless there: a session per exchange costs nothing)."""
        async with (
            httpx.AsyncClient(headers=self.headers, timeout=httpx.Timeout(API_TIMEOUT, read=timeout)) as http,
            streamable_http_client(self.base_url + "/mcp", http_client=http, terminate_on_close=False) as (r, w, _),
            ClientSession(r, w) as session,
        ):
            await session.initialize()
            return await use(session)

    async def _probe(self) -> httpx.Response:
        async with httpx.AsyncClient(headers=self.headers, timeout=API_TIMEOUT) as client:
            return await client.post(self.base_url + "/mcp", json={"jsonrpc": "2.0", "id": 0, "method": "ping"},
                                     headers={"Accept": "application/json, text/event-stream"})

    async def grants(self) -> Grants:
        if self._grants is not None:
            return self._grants
        try:
            probe = await self._probe()
        except httpx.HTTPError:
            return WITHOUT_MCP  # unreachable now: list everything, each call will say what is wrong
        if probe.status_code in (401, 403):
            raise ToolError(_error_text(probe))
        if probe.status_code in (404, 405):
            self._grants = WITHOUT_MCP  # a server without /mcp (the Go server answers 405)
            return self._grants
        names = {tool.name for tool in (await self._with_session(API_TIMEOUT, ClientSession.list_tools)).tools}
        self._grants = Grants(write="send_message" in names, read="read_messages" in names,
                              wait="wait_for_messages" in names, search="search_messages" in names)
        return self._grants

    async def wait(self, cursor: str, timeout: float) -> dict[str, Any]:
        arguments: dict[str, Any] = {"timeout_seconds": int(timeout)}
        if cursor:
            arguments["cursor"] = cursor
        result = await self._with_session(timeout + API_TIMEOUT,
                                          lambda s: s.call_tool("wait_for_messages", arguments))
        text = "".join(getattr(block, "text", "") for block in result.content)
        if result.isError:
            raise ToolError(text)
        return result.structuredContent or json.loads(text)


async def serve_stdio(backend: RemoteBackend) -> None:
    """Serve the tools on this process's stdin/stdout until the client closes them."""
    server = build_server(lambda: backend)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await backend.aclose()


def run_stdio(backend: RemoteBackend) -> None:
    try:
        anyio.run(serve_stdio, backend)
    except KeyboardInterrupt:
        sys.stderr.write("moltnet mcp: stopped\n")
