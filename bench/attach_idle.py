"""Idle attachments: time to attach N agents, then server CPU and memory per attachment while they idle.

    .venv/bin/python bench/attach_idle.py [--agents 500] [--total 1000] [--idle 20] [--rounds 3]
    MOLTNET_GO_BIN=../shared/reference/moltnet-go .venv/bin/python bench/attach_idle.py

Per round and implementation (ours, and Go when MOLTNET_GO_BIN is set, alternating): a live `moltnet
start` (SQLite, auth.mode open: anonymous agents attach and are registered at IDENTIFY). From this
process, --agents anonymous agents attach 50 at a time (HELLO → IDENTIFY → READY; the attach time
is measured); then, with all of them idle (they only answer the server's PINGs, every 2.5 s) for
--idle seconds, the server's CPU is read from /proc/<pid>/stat (utime + stime of the server and any
children, as % of one core) and its VmRSS growth over the pre-attach figure is divided by --agents.
Then more agents attach up to --total (0: skip): the time to attach --total is the two attach
phases added (the idle window excluded). Dropped = attachments the server closed meanwhile (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from attach_common import OPEN_CONFIG, attach_listening, start_server
from common import Figure, Server, compare


async def hold(server: Server, agents: int, total: int, idle: float) -> dict[str, float]:
    await asyncio.sleep(2)
    rss_before = server.rss_kib()
    stop = asyncio.Event()
    started = time.perf_counter()
    sockets, tasks = await attach_listening(server.ws_url, [f"idle-{i}" for i in range(agents)],
                                            lambda *_: None, stop)
    attach_first = time.perf_counter() - started
    await asyncio.sleep(2)  # the last subscriptions settle
    cpu_before = server.cpu_seconds()
    window = time.perf_counter()
    await asyncio.sleep(idle)
    cpu = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - window) * 100
    rss_after = server.rss_kib()
    result = {"attach_n": attach_first, "cpu_pct": cpu, "kib_per": (rss_after - rss_before) / agents,
              "rss_mib": (rss_after - rss_before) / 1024}
    if total > agents:
        started = time.perf_counter()
        more, more_tasks = await attach_listening(server.ws_url, [f"idle-{i}" for i in range(agents, total)],
                                                  lambda *_: None, stop)
        result["attach_total"] = attach_first + time.perf_counter() - started
        sockets += more
        tasks += more_tasks
        await asyncio.sleep(1)
    result["dropped"] = sum(task.done() for task in tasks)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=500, help="idle attachments measured")
    parser.add_argument("--total", type=int, default=1000, help="then attach up to this many (0: skip)")
    parser.add_argument("--idle", type=float, default=20, help="idle window, seconds")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per implementation (alternating)")
    args = parser.parse_args(argv)
    figures = [Figure("attach_n", f"time to attach {args.agents}", "s"),
               Figure("cpu_pct", f"server CPU, {args.agents} idle for {args.idle:.0f} s", "% of a core"),
               Figure("kib_per", "memory per idle attachment", "KiB"),
               Figure("rss_mib", f"server RSS growth, {args.agents} attached", "MiB")]
    if args.total > args.agents:
        figures.insert(1, Figure("attach_total", f"time to attach {args.total}", "s"))
    figures.append(Figure("dropped", "attachments dropped by the server", "count", ratio=False))

    def measure(impl: str) -> dict[str, float]:
        server = start_server("idle", OPEN_CONFIG, impl)
        with server:  # stopped at the end; its log tail shown if the round failed
            return asyncio.run(hold(server, args.agents, args.total, args.idle))

    compare(f"idle attachments: {args.agents} attached, idle {args.idle:.0f} s", figures, measure, args.rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
