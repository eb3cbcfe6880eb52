"""Fan-out latency: POST /v1/messages accepted → EVENT received, with K agents attached to one room.

    .venv/bin/python bench/attach_fanout.py --agents 10 100 1000 [--messages 20] [--procs 2] [--rounds 3]
    MOLTNET_GO_BIN=../shared/reference/moltnet-go .venv/bin/python bench/attach_fanout.py --agents 100 1000

A live `moltnet start` (ours, and Go when MOLTNET_GO_BIN is set, alternating round by round; SQLite,
auth.mode open so each anonymous attachment gets the public room stream). The agents are spread
over --procs client processes (asyncio `websockets`; each ACKs every EVENT and answers PINGs).
Messages are posted one at a time, 250 ms apart; latency = receive time − the time the POST was
sent, over every (agent, message). (Until 2026-12 it was measured from the 202's arrival, which a
server that fans out at commit beats: p50 ≤ 0, useless as a ratio.) Also counted: (agent, message)
pairs never delivered (missing) and deliveries beyond the first (duplicated) — both must be 0.
Client and server share the machine's cores, so the figures include client-side contention.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid

import httpx
from attach_common import OPEN_CONFIG, OPS, attach_listening, percentile, start_server
from common import Figure, Server, compare


async def worker(ws_url: str, prefix: str, count: int) -> None:
    """Client process: attach `count` agents, report READY, record EVENT times until stdin closes."""
    received: dict[str, list[list]] = {}

    def on_event(agent_id, frame, at):
        if frame["event"]["type"] == "message.created":
            received.setdefault(frame["event"]["message"]["id"], []).append([agent_id, at])

    stop = asyncio.Event()
    sockets, tasks = await attach_listening(ws_url, [f"{prefix}-{i}" for i in range(count)], on_event, stop)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(received), flush=True)
    for ws in sockets:
        await ws.close()


def run(server: Server, agents: int, messages: int, procs: int) -> dict:
    """Attach `agents` in `procs` worker processes, post `messages`, collect the workers' receive times."""
    procs = max(1, min(procs, agents // 50 or 1))
    workers: list[subprocess.Popen] = []
    try:
        for p in range(procs):
            share = agents // procs + (1 if p < agents % procs else 0)
            prefix = f"n{agents}p{p}-{uuid.uuid4().hex[:6]}"
            workers.append(subprocess.Popen([sys.executable, __file__, "--worker", server.ws_url, prefix, str(share)],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        for w in workers:
            if w.stdout.readline().strip() != "ready":
                raise RuntimeError("an attach worker failed before READY")
        # A live-only attachment subscribes just after READY (spec 05 §10); let the last ones settle
        # (with 1,000 sockets on 2 shared cores the last subscriptions can take a few seconds).
        time.sleep(3)
        accepted = post(server, agents, messages)
        time.sleep(3)
        return collect(workers, accepted, agents, messages)
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()


def post(server: Server, agents: int, messages: int) -> dict[str, float]:
    """Post `messages` one every 250 ms: message id → time the POST was sent."""
    accepted: dict[str, float] = {}
    with httpx.Client(base_url=server.base_url, headers=OPS, timeout=30) as client:
        for i in range(messages):
            body = {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "ops"},
                    "parts": [{"kind": "text", "text": f"fan-out {agents} #{i}"}]}
            sent = time.time()
            response = client.post("/v1/messages", json=body)
            response.raise_for_status()
            accepted[response.json()["message_id"]] = sent
            time.sleep(0.25)
    return accepted


def collect(workers: list[subprocess.Popen], accepted: dict[str, float], agents: int, messages: int) -> dict:
    """Close the workers' stdin, read their receive times: latencies, missing and duplicated deliveries."""
    latencies, delivered, unique = [], 0, 0
    per_message = dict.fromkeys(accepted, 0)
    for w in workers:
        out, _ = w.communicate("", timeout=120)
        for message_id, hits in json.loads(out.strip().splitlines()[-1]).items():
            if message_id not in accepted:
                continue
            first: dict[str, float] = {}
            for agent_id, at in hits:
                first.setdefault(agent_id, at)
            delivered += len(hits)
            unique += len(first)
            per_message[message_id] += len(first)
            latencies += [(t - accepted[message_id]) * 1000 for t in first.values()]
    short = [(i, n) for i, n in enumerate(per_message.values()) if n != agents]
    if short:
        print(f"  messages not delivered to every agent (index, agents reached): {short}", flush=True)
    return {"agents": agents, "expected": agents * messages, "delivered": delivered,
            "missing": agents * messages - unique, "duplicated": delivered - unique,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        asyncio.run(worker(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per implementation (alternating)")
    args = parser.parse_args()
    figures = []
    for k in args.agents:
        figures += [Figure(f"p50_{k}", f"K={k} POST→EVENT p50", "ms"),
                    Figure(f"p99_{k}", f"K={k} POST→EVENT p99", "ms"),
                    Figure(f"missing_{k}", f"K={k} missing events", "count", ratio=False),
                    Figure(f"duplicated_{k}", f"K={k} duplicated events", "count", ratio=False)]

    def measure(impl: str) -> dict[str, float]:
        server = start_server("fanout", OPEN_CONFIG, impl)
        result: dict[str, float] = {}
        with server:  # stopped at the end; its log tail shown if the round failed
            httpx.post(server.base_url + "/v1/agents/register", json={"requested_agent_id": "ops"}, headers=OPS)
            for k in args.agents:
                r = run(server, k, args.messages, args.procs)
                print(f"    {impl} {k:>5} agents: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms "
                      f"({r['delivered']}/{r['expected']} deliveries, {r['missing']} missing, "
                      f"{r['duplicated']} duplicated)", flush=True)
                result.update({f"p50_{k}": r["p50_ms"], f"p99_{k}": r["p99_ms"], f"missing_{k}": r["missing"],
                               f"duplicated_{k}": r["duplicated"]})
            return result

    compare(f"attach fan-out: one message every 250 ms, {args.messages} messages, K attached agents ACKing",
            figures, measure, args.rounds)


if __name__ == "__main__":
    main()
