"""MCP benchmark: what the /mcp transport adds to a send, and how fast wait_for_messages wakes.

    .venv/bin/python bench/mcp_tools.py [--sends 300] [--waits 50]

Ours only (the Go server has no /mcp). One `moltnet start` (SQLite, auth none), one client at a time:

- send: `send_message` through the SDK's streamable HTTP client (one session, sequential calls) against
  a plain `POST /v1/messages` on a keep-alive httpx client, p50/p99 each;
- wake: a `wait_for_messages` call is in flight with a cursor; a message is posted over plain HTTP;
  measured from just before the POST to the wait's answer, p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, percentile  # noqa: E402

CONFIG = "version: moltnet.v1\nrooms:\n  - {id: lab, members: [scout, ada]}\n"
BODY = {"target": {"kind": "room", "room_id": "lab"}, "from": {"type": "agent", "id": "ada"},
        "parts": [{"kind": "text", "text": "plain"}]}


def line(label: str, samples: list[float]) -> None:
    print(f"{label:<46} p50 {percentile(samples, 50) * 1000:7.2f} ms   p99 {percentile(samples, 99) * 1000:7.2f} ms"
          f"   (n={len(samples)})")


async def run(server: Server, sends: int, waits: int) -> None:
    async with (
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as plain,
        httpx.AsyncClient(headers={"X-Moltnet-Agent": "scout"}, timeout=httpx.Timeout(30, read=120)) as http,
        streamable_http_client(server.base_url + "/mcp", http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        for _ in range(20):  # warm both paths (reader/writer threads, the session manager)
            await session.call_tool("send_message", {"target": "room:lab", "text": "warm"})
            await plain.post("/v1/messages", json=BODY)

        mcp_times, plain_times = [], []
        for i in range(sends):
            started = time.perf_counter()
            result = await session.call_tool("send_message", {"target": "room:lab", "text": f"mcp {i}"})
            mcp_times.append(time.perf_counter() - started)
            assert not result.isError, result.content
            started = time.perf_counter()
            response = await plain.post("/v1/messages", json=BODY)
            plain_times.append(time.perf_counter() - started)
            assert response.status_code == 202, response.text
        line("send_message over /mcp", mcp_times)
        line("POST /v1/messages (same server)", plain_times)

        cursor = (await session.call_tool("wait_for_messages", {"timeout_seconds": 1})).structuredContent["cursor"]
        wake_times = []
        for i in range(waits):
            waiting = asyncio.create_task(session.call_tool("wait_for_messages",
                                                            {"cursor": cursor, "timeout_seconds": 30}))
            await asyncio.sleep(0.05)  # let the wait reach the server and subscribe
            started = time.perf_counter()
            body = {**BODY, "parts": [{"kind": "text", "text": f"wake {i}"}]}
            assert (await plain.post("/v1/messages", json=body)).status_code == 202
            result = (await waiting).structuredContent
            wake_times.append(time.perf_counter() - started)
            assert [m["parts"][0]["text"] for m in result["messages"]] == [f"wake {i}"], result
            cursor = result["cursor"]
        line("POST → wait_for_messages answer", wake_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=300)
    parser.add_argument("--waits", type=int, default=50)
    args = parser.parse_args()
    with Server("ours", CONFIG, name="mcp") as server:
        asyncio.run(run(server, args.sends, args.waits))


if __name__ == "__main__":
    main()
