"""Fan-out latency: POST /v1/messages accepted → EVENT received, with N agents attached to one room.

    .venv/bin/python bench/attach_fanout.py --agents 10 100 1000 [--messages 20] [--procs 2]

A live `moltnet start` (SQLite, in-memory channel layer, auth.mode open so each anonymous
attachment gets the public room stream). The agents are spread over --procs client processes
(asyncio `websockets`, each ACKs every EVENT and answers PINGs). Messages are posted one at a time,
250 ms apart; latency = receive time − the time the 202 came back, over every (agent, message).
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


async def worker(ws_url: str, prefix: str, count: int) -> None:
    """Client process: attach `count` agents, report READY, record EVENT times until stdin closes."""
    received: dict[str, list[float]] = {}

    def on_event(frame, at):
        if frame["event"]["type"] == "message.created":
            received.setdefault(frame["event"]["message"]["id"], []).append(at)

    stop = asyncio.Event()
    sockets, tasks = await attach_listening(ws_url, [f"{prefix}-{i}" for i in range(count)], on_event, stop)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(received), flush=True)
    for ws in sockets:
        await ws.close()


def run(server, agents: int, messages: int, procs: int) -> dict:
    procs = max(1, min(procs, agents // 50 or 1))
    workers = []
    for p in range(procs):
        share = agents // procs + (1 if p < agents % procs else 0)
        prefix = f"n{agents}p{p}-{uuid.uuid4().hex[:6]}"
        workers.append(subprocess.Popen([sys.executable, __file__, "--worker", server.ws_url, prefix, str(share)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for w in workers:
        assert w.stdout.readline().strip() == "ready"
    # A live-only attachment subscribes just after READY (spec 05 §10); let the last ones settle
    # (with 1,000 sockets on 2 shared cores the last subscriptions can take a few seconds).
    time.sleep(3)
    accepted: dict[str, float] = {}
    with httpx.Client(base_url=server.base_url, headers=OPS, timeout=30) as client:
        for i in range(messages):
            body = {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "ops"},
                    "parts": [{"kind": "text", "text": f"fan-out {agents} #{i}"}]}
            response = client.post("/v1/messages", json=body)
            accepted[response.json()["message_id"]] = time.time()
            time.sleep(0.25)
    time.sleep(3)
    latencies, delivered = [], 0
    per_message = dict.fromkeys(accepted, 0)
    for w in workers:
        out, _ = w.communicate("", timeout=120)
        for message_id, times in json.loads(out.strip().splitlines()[-1]).items():
            if message_id in accepted:
                delivered += len(times)
                per_message[message_id] += len(times)
                latencies += [(t - accepted[message_id]) * 1000 for t in times]
    short = [(i, n) for i, n in enumerate(per_message.values()) if n != agents]
    if short:
        print(f"  messages not delivered to every agent (index, deliveries): {short}", flush=True)
    return {"agents": agents, "expected": agents * messages, "delivered": delivered,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        asyncio.run(worker(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()
    server = start_server("fanout", OPEN_CONFIG)
    try:
        httpx.post(server.base_url + "/v1/agents/register", json={"requested_agent_id": "ops"}, headers=OPS)
        for agents in args.agents:
            r = run(server, agents, args.messages, args.procs)
            print(f"{r['agents']:>5} agents: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms "
                  f"({r['delivered']}/{r['expected']} deliveries)", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
