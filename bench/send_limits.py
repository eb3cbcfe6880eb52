"""What the send limiter costs on the send path: POST /v1/messages by agent-token senders in open
mode, with the per-agent token bucket on (limits high enough that nothing is refused, so every send
updates its bucket) and off (`send_per_minute: 0`), rounds alternating: throughput, latency and the
server's CPU per send (the steadiest figure on a loaded machine). Also how fast a sender over its
limit is refused (429s answered before the send reaches the writer).

    .venv/bin/python bench/send_limits.py --clients 8 --messages 1000 --rounds 3
    MOLTNET_POSTGRES_DSN=postgresql://… .venv/bin/python bench/send_limits.py --rounds 0   # the check on Postgres
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, percentile  # noqa: E402
from send import client_loop  # noqa: E402

LIMITS = {"on": "{send_per_minute: 100000, send_burst: 10000, register_per_minute: 1000}",
          "off": "{send_per_minute: 0, register_per_minute: 1000}",
          "flood": "{send_per_minute: 1, send_burst: 1, register_per_minute: 1000}"}


def config(mode: str) -> str:
    return ("version: moltnet.v1\nauth:\n  mode: open\n  rate_limits: " + LIMITS[mode] + "\n"
            "rooms:\n  - {id: bench, visibility: public, write_policy: registered_agents}\n")


def register(base_url: str, clients: int) -> list[str]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return [client.post("/v1/agents/register", json={"requested_agent_id": f"agent{i}"}).json()["agent_token"]
                for i in range(clients)]


async def run(base_url: str, tokens: list[str], messages: int) -> tuple[float, list[float], list[int]]:
    """bench/send.py's senders, each with its agent's token; the statuses other than 202."""
    latencies: list[float] = []
    others: list[int] = []
    per_client = [messages // len(tokens) + (1 if i < messages % len(tokens) else 0) for i in range(len(tokens))]
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(base_url, i, n, latencies, others, {"Authorization": f"Bearer {tokens[i]}"})
                           for i, n in enumerate(per_client)))
    return time.perf_counter() - started, latencies, others


def measure(mode: str, clients: int, messages: int) -> dict[str, float]:
    with Server("ours", config(mode), name=f"send-limits-{mode}") as server:
        tokens = register(server.base_url, clients)
        asyncio.run(run(server.base_url, tokens, min(messages, 40)))  # warm-up
        cpu = server.cpu_seconds()
        elapsed, latencies, others = asyncio.run(run(server.base_url, tokens, messages))
        cpu = server.cpu_seconds() - cpu
    # Every send is a 202 with the bucket on or off; in the flood every one is a 429.
    wrong = messages - others.count(429) if mode == "flood" else len(others)
    return {"throughput": (messages - wrong) / elapsed, "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "cpu_us": cpu / messages * 1e6, "wrong": wrong}


MICRO = """
import os, sys, time, django
django.setup()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from agents.auth import Caller, Claims
from agents.ratelimit import check_send_limit
callers = [Caller("open", claims=Claims("agent", frozenset({"write"}), frozenset(), f"agent-token:{i}",
                                         agent_id=f"agent{i}")) for i in range(8)]
n = int(sys.argv[1])


def checks():
    for batch in (1, 8):
        spent = 0.0
        for start in range(0, n, batch):
            with transaction.atomic():
                for i in range(batch):
                    began = time.perf_counter()
                    check_send_limit(callers[(start + i) % 8])
                    spent += time.perf_counter() - began
        print(f"{batch} send(s) per commit: {spent / n * 1e6:.0f} µs per check (the commit, which the send pays "
              "anyway, not counted)")


import threading
worker = threading.Thread(target=checks, name="moltnet-writer")  # the thread the hot path checks on
worker.start()
worker.join()
"""


def micro(calls: int) -> None:
    """The limiter alone, in-process (SQLite, or Postgres with MOLTNET_POSTGRES_DSN): what one check adds to
    the group-commit writer's thread."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="moltnet-send-limits-") as tmp:
        Path(tmp, "Moltnet").write_text(config("on") + "storage: {kind: sqlite, sqlite: {path: bench.db}}\n")
        env = {**os.environ, "MOLTNET_CONFIG": str(Path(tmp, "Moltnet")), "DJANGO_SETTINGS_MODULE": "moltnet.settings",
               "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        store = "postgres (MOLTNET_POSTGRES_DSN)" if env.get("MOLTNET_POSTGRES_DSN") else "sqlite (synchronous=full)"
        print(f"== the limiter alone: {calls} checks by 8 agents, in-process, {store} ==")
        out = subprocess.run([sys.executable, "-c", MICRO, str(calls)], cwd=tmp, env=env, capture_output=True,
                             text=True, check=False)
        print("".join(f"  {line}\n" for line in out.stdout.splitlines()) + out.stderr[-2000:], end="", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent senders, one agent each")
    parser.add_argument("--messages", type=int, default=1000, help="total messages per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per mode (alternating)")
    parser.add_argument("--micro", type=int, default=4000, help="in-process limiter checks (0: skip)")
    args = parser.parse_args()
    if args.micro:
        micro(args.micro)
    samples: dict[str, list[dict[str, float]]] = {"off": [], "on": [], "flood": []}
    if not args.rounds:
        return
    print(f"== send limits: {args.clients} agent-token senders, one room, sqlite, {args.messages} messages ==")
    for r in range(args.rounds):
        for mode in ("off", "on", "flood"):
            result = measure(mode, args.clients, args.messages)
            samples[mode].append(result)
            print(f"  round {r + 1}/{args.rounds} {mode:>5}: " + " ".join(f"{k}={v:.1f}" for k, v in result.items()),
                  flush=True)
    med = {mode: {k: statistics.median(s[k] for s in rounds) for k in rounds[0]} for mode, rounds in samples.items()}
    print(f"  {'figure':<32} {'off':>9} {'on':>9} {'on/off':>7}  (median of {args.rounds} rounds)")
    for key, label in (("throughput", "accepted sends/s"), ("p50_ms", "latency p50 (ms)"),
                       ("p99_ms", "latency p99 (ms)"), ("cpu_us", "server CPU per send (µs)")):
        print(f"  {label:<32} {med['off'][key]:>9.1f} {med['on'][key]:>9.1f} {med['on'][key] / med['off'][key]:>7.2f}")
    print(f"  over the limit: {med['flood']['throughput']:.0f} refusals/s (429), p50 {med['flood']['p50_ms']:.1f} ms, "
          f"p99 {med['flood']['p99_ms']:.1f} ms, server CPU {med['flood']['cpu_us']:.0f} µs per refusal")
    if any(s["wrong"] for rounds in samples.values() for s in rounds):
        raise SystemExit("send limits: some answers were not the expected status (see the rounds above)")


if __name__ == "__main__":
    main()
