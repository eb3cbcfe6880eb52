"""Send benchmark: N concurrent keep-alive clients POST text messages to one room over real HTTP.

Starts `moltnet start` (ours, and the Go server when MOLTNET_GO_BIN is set, alternating round by
round) on SQLite (or `--storage memory`) unless --base-url is given; after a short warm-up the
clients (httpx.AsyncClient each) send --messages in total. Prints messages/second and p50/p99
latency per round, then the medians and ours ÷ Go.

    .venv/bin/python bench/send.py --clients 8 --messages 2000 [--storage memory] [--rounds 3]
    MOLTNET_GO_BIN=../shared/reference/moltnet-go .venv/bin/python bench/send.py --clients 1 --messages 500
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Figure, Server, compare, percentile  # noqa: E402

FIGURES = [Figure("throughput", "throughput", "messages/s", higher_is_better=True),
           Figure("p50_ms", "latency p50", "ms"), Figure("p99_ms", "latency p99", "ms"),
           Figure("errors", "answers other than 202", "count", ratio=False)]


def room_config(clients: int, storage: str = "sqlite") -> str:
    """A `Moltnet` file with room `bench` whose members are agent0..agent<clients-1>."""
    members = ", ".join(f"agent{i}" for i in range(clients))
    store = "storage: {kind: memory}\n" if storage == "memory" else ""
    return f"version: moltnet.v1\n{store}rooms:\n  - id: bench\n    members: [{members}]\n"


async def client_loop(base_url: str, index: int, count: int, latencies: list[float], errors: list[int],
                      headers: dict[str, str] | None = None) -> None:
    """Send `count` messages as agent<index>; `errors` collects every status other than 202."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=headers) as client:
        for n in range(count):
            body = {"target": {"kind": "room", "room_id": "bench"}, "from": {"type": "agent", "id": f"agent{index}"},
                    "parts": [{"kind": "text", "text": f"message {n} from client {index}"}]}
            started = time.perf_counter()
            response = await client.post("/v1/messages", json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 202:
                errors.append(response.status_code)


async def run(base_url: str | list[str], clients: int, messages: int) -> tuple[float, list[float], list[int]]:
    """Send `messages` from `clients` clients; with several base URLs, client i uses URL i mod len."""
    urls = [base_url] if isinstance(base_url, str) else base_url
    latencies: list[float] = []
    errors: list[int] = []
    per_client = [messages // clients + (1 if i < messages % clients else 0) for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(urls[i % len(urls)], i, n, latencies, errors)
                           for i, n in enumerate(per_client)))
    return time.perf_counter() - started, latencies, errors


def measure_urls(urls: str | list[str], clients: int, messages: int) -> dict[str, float]:
    """Warm up, then send: throughput of accepted (202) messages, p50 / p99 of all, count of the others."""
    asyncio.run(run(urls, min(clients, 4), min(messages, 40)))  # warm-up
    elapsed, latencies, errors = asyncio.run(run(urls, clients, messages))
    if errors:
        print(f"    send: {len(errors)} of {messages} answers were not 202 (statuses {sorted(set(errors))})",
              flush=True)
    return {"throughput": (messages - len(errors)) / elapsed, "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "errors": len(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--messages", type=int, default=2000, help="total messages to send")
    parser.add_argument("--storage", choices=["sqlite", "memory"], default="sqlite", help="server storage kind")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per implementation (alternating)")
    parser.add_argument("--base-url", default="", help="use a running server (room `bench` must exist, auth none)")
    args = parser.parse_args()
    if args.base_url:
        r = measure_urls(args.base_url, args.clients, args.messages)
        print(f"send: {args.messages} messages, {args.clients} clients to {args.base_url}")
        print(f"  throughput {r['throughput']:.0f} messages/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
        raise SystemExit(1 if r["errors"] else 0)

    def measure(impl: str) -> dict[str, float]:
        server = Server(impl, room_config(args.clients, args.storage), name="send")
        with server:  # stopped at the end; its log tail shown if the round failed
            result = measure_urls(server.base_url, args.clients, args.messages)
            if result["errors"]:
                print(f"    {impl} server log tail:\n{server.tail(15)}", flush=True)
            return result

    clients = f"{args.clients} client{'s' if args.clients != 1 else ''}"
    medians = compare(f"send: {clients}, one room, {args.storage}, {args.messages} messages", FIGURES,
                      measure, args.rounds)
    if any(m.get("errors") for m in medians.values()):
        raise SystemExit("send: some answers were not 202 (see above)")


if __name__ == "__main__":
    main()
