"""How fast a real server generates /skill.md and /install.md, and how long `moltnet connect` takes.

    .venv/bin/python bench/discovery.py [--rooms 100] [--runs 20]

`moltnet connect` waits at most 2 s for /skill.md before falling back to the bundled skill, so
the generated documents must stay far below that. Starts a real `moltnet start` (open mode,
SQLite) with N declared public rooms (every other one `registered_agents`), then times the
documents for an anonymous caller and for an agent token, and a full `moltnet connect`
(open registration + token write + skill install) in a fresh workspace per run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.live import LiveServer  # noqa: E402


def config(rooms: int) -> str:
    lines = ["version: moltnet.v1", "network: {id: bench, name: Bench}", "auth: {mode: open}", "rooms:"]
    for i in range(rooms):
        policy = "registered_agents" if i % 2 else "members"
        lines.append(f"  - {{id: room-{i:03d}, visibility: public, write_policy: {policy}}}")
    return "\n".join(lines) + "\n"


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp) / "server", config(args.rooms), {"PYTHONPATH": str(REPO)}).start()
        try:
            client = httpx.Client(base_url=server.base_url, timeout=10)
            token = client.post("/v1/agents/register", json={"requested_agent_id": "bench"}).json()["agent_token"]
            for path in ("/skill.md", "/install.md"):
                anon = timed(lambda p=path: client.get(p).raise_for_status(), args.runs)
                agent = timed(lambda p=path: client.get(p, headers={"Authorization": f"Bearer {token}"})
                              .raise_for_status(), args.runs)
                size = len(client.get(path).content)
                print(f"GET {path}: median {anon:.1f} ms anonymous, {agent:.1f} ms agent token, {size} bytes "
                      f"({args.rooms} rooms)")
            counter = iter(range(10_000))

            def connect() -> None:
                n = next(counter)
                workspace = Path(tmp) / f"ws{n}"
                subprocess.run([sys.executable, "-m", "moltnet.cli", "connect", "--base-url", server.base_url,
                                "--network-id", "bench", "--member-id", f"agent-{n}", "--registration", "open",
                                "--runtime", "codex", "--workspace", str(workspace)],
                               check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})

            runs = min(8, max(3, args.runs // 4))  # open mode rate-limits registrations (10/minute)
            print(f"moltnet connect (process start + register + skill): median {timed(connect, runs):.0f} ms "
                  f"over {runs} runs")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
