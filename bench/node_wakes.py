"""Node wake latency and throughput: message posted over HTTP → runtime woken through a real /v1/attach.

    .venv/bin/python bench/node_wakes.py [--latency 200] [--burst 500]

A real `moltnet start` (SQLite) and one in-process node attachment (`kind: pi`) whose control URL is a
local HTTP endpoint answering `{}` at once, so the figure is the node + gateway path: gateway fan-out,
frame decode, wake filter, render, one runtime POST, ACK. `--latency` messages are posted one at a time
(each waits for its wake); then `--burst` messages are posted back to back and we time until the last wake.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile  # noqa: E402
from node.config import bridge_from_document, validate_bridge  # noqa: E402
from node.runner import Runner  # noqa: E402

arrivals: dict[str, float] = {}


class Control(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        arrivals[body["message"].rsplit("\n", 1)[-1]] = time.perf_counter()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


async def wait_for(key: str, timeout: float = 30) -> float:
    deadline = time.perf_counter() + timeout
    while key not in arrivals:
        if time.perf_counter() > deadline:
            raise SystemExit(f"wake {key!r} never arrived")
        await asyncio.sleep(0.001)
    return arrivals[key]


async def run(args: argparse.Namespace, server: BenchServer, control_url: str) -> None:
    doc = {"version": "moltnet.bridge.v1", "agent": {"id": "bench"},
           "moltnet": {"base_url": server.base_url, "network_id": "local"},
           "runtime": {"kind": "pi", "control_url": control_url}, "rooms": [{"id": "bench", "wake": "mentions"}]}
    cfg = bridge_from_document(doc, server.dir / "bench-bridge.json")  # node state lands in the server's temp dir
    validate_bridge(cfg)
    task = asyncio.create_task(Runner(cfg).run())
    http = httpx.AsyncClient(base_url=server.base_url, timeout=30)

    async def send(text: str) -> float:
        started = time.perf_counter()
        body = {"target": {"kind": "room", "room_id": "bench"}, "from": {"type": "human", "id": "ana"},
                "parts": [{"kind": "text", "text": f"@bench {text}"}]}
        response = await http.post("/v1/messages", json=body)
        assert response.status_code == 202, response.text
        return started

    await asyncio.sleep(1.5)  # attached
    await send("warmup")
    await wait_for("@bench warmup")
    latencies = []
    for index in range(args.latency):
        started = await send(f"l{index}")
        latencies.append((await wait_for(f"@bench l{index}") - started) * 1000)
    started = time.perf_counter()
    for index in range(args.burst):
        await send(f"b{index}")
    posted = time.perf_counter() - started
    done = await wait_for(f"@bench b{args.burst - 1}", timeout=120)
    elapsed = done - started
    missing = [i for i in range(args.burst) if f"@bench b{i}" not in arrivals]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await http.aclose()
    print(f"latency post→wake over {args.latency}: p50 {percentile(latencies, 50):.1f} ms, "
          f"p99 {percentile(latencies, 99):.1f} ms")
    print(f"burst of {args.burst}: posted in {posted:.2f} s, all woken after {elapsed:.2f} s "
          f"({args.burst / elapsed:.0f} wakes/s), missing {len(missing)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=int, default=200)
    parser.add_argument("--burst", type=int, default=500)
    args = parser.parse_args()
    server = BenchServer("  - {id: bench, name: Bench, members: [bench]}\n")
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    try:
        asyncio.run(run(args, server, f"http://127.0.0.1:{control.server_address[1]}/control"))
    finally:
        control.shutdown()
        server.stop()


if __name__ == "__main__":
    main()
