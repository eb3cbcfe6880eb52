"""Memory per idle attachment: server RSS growth divided by the number of open attachments.

    .venv/bin/python bench/attach_memory.py [--agents 500]

A live `moltnet start` (SQLite, auth.mode open). N anonymous agents attach (READY, then idle:
they only answer PINGs); the server's VmRSS is read before and 5 s after they are all attached.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from attach_common import OPEN_CONFIG, attach_listening, rss_kib, start_server


async def hold(server, count: int) -> int:
    await asyncio.sleep(2)
    before = rss_kib(server.process.pid)
    stop = asyncio.Event()
    sockets, tasks = await attach_listening(server.ws_url, [f"idle-{i}" for i in range(count)],
                                            lambda *_: None, stop)
    await asyncio.sleep(5)
    after = rss_kib(server.process.pid)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for ws in sockets:
        await ws.close()
    return after - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=500)
    args = parser.parse_args()
    server = start_server("memory", OPEN_CONFIG)
    try:
        started = time.perf_counter()
        grown = asyncio.run(hold(server, args.agents))
        print(f"{args.agents} idle attachments: RSS +{grown / 1024:.1f} MiB, "
              f"{grown / args.agents:.1f} KiB per attachment (setup {time.perf_counter() - started:.1f}s)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
