"""Send benchmark: N concurrent clients POST text messages to one room over real HTTP.

Starts `moltnet start` on SQLite (WAL, IMMEDIATE transactions) unless --base-url is given, then
prints messages/second and p50/p99 latency.

    .venv/bin/python bench/send.py --clients 8 --messages 2000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BenchServer, percentile  # noqa: E402


async def client_loop(base_url: str, index: int, count: int, latencies: list[float], errors: list[int]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for n in range(count):
            body = {"target": {"kind": "room", "room_id": "bench"}, "from": {"type": "agent", "id": f"agent{index}"},
                    "parts": [{"kind": "text", "text": f"message {n} from client {index}"}]}
            started = time.perf_counter()
            response = await client.post("/v1/messages", json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 202:
                errors.append(response.status_code)


async def run(base_url: str, clients: int, messages: int) -> tuple[float, list[float], list[int]]:
    latencies: list[float] = []
    errors: list[int] = []
    per_client = [messages // clients + (1 if i < messages % clients else 0) for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(base_url, i, n, latencies, errors) for i, n in enumerate(per_client)))
    return time.perf_counter() - started, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--messages", type=int, default=2000, help="total messages to send")
    parser.add_argument("--base-url", default="", help="use a running server (room `bench` must exist, auth none)")
    args = parser.parse_args()
    members = ", ".join(f"agent{i}" for i in range(args.clients))
    server = None if args.base_url else BenchServer(f"  - id: bench\n    members: [{members}]\n")
    base_url = args.base_url or server.base_url
    try:
        asyncio.run(run(base_url, min(args.clients, 4), min(args.messages, 40)))  # warm-up
        elapsed, latencies, errors = asyncio.run(run(base_url, args.clients, args.messages))
    finally:
        if server:
            server.stop()
    print(f"send: {args.messages} messages, {args.clients} clients, {elapsed:.2f}s")
    print(f"  throughput {args.messages / elapsed:.0f} messages/s")
    print(f"  latency p50 {percentile(latencies, 50) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms")
    if errors:
        print(f"  errors: {len(errors)} (statuses {sorted(set(errors))})")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
