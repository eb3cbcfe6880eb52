"""Events per second through one SSE observer: replaying a backlog and following live sends.

    .venv/bin/python bench/sse_throughput.py [--backlog 10000] [--live 1000]

A live `moltnet start` (SQLite). Replay: the log is filled with --backlog messages through the
send path, then one observer connects with `Last-Event-ID` and reads until the last one.
Live: 4 threads POST --live messages while the observer follows; the rate is events received
per second between the first and the last (bounded by how fast the server accepts sends).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from attach_common import REPO, fill_log, start_server

sys.path.insert(0, str(REPO))
from tests.support.sse import Stream  # noqa: E402


def count_until(stream: Stream, last_id: str, timeout: float = 120) -> tuple[int, float, float]:
    seen, first_at = 0, 0.0
    while True:
        event_id, event_type, _ = stream.event(timeout)
        if event_type == "message.created":
            seen += 1
            first_at = first_at or time.perf_counter()
        if event_id == last_id:
            return seen, first_at, time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=10000)
    parser.add_argument("--live", type=int, default=1000)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    server = start_server("sse")
    try:
        client = httpx.Client(base_url=server.base_url, timeout=30)

        def post(i: int) -> str:
            body = {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "bench"},
                    "parts": [{"kind": "text", "text": f"event {i}"}]}
            return client.post("/v1/messages", json=body).json()["event_id"]

        cursor = post(-1)
        fill_log(server, args.backlog)
        from events.models import Event

        last = Event.objects.order_by("-seq").values_list("event_id", flat=True).first()
        started = time.perf_counter()
        stream = Stream(server.base_url, headers={"Last-Event-ID": cursor})
        seen, _, ended = count_until(stream, last)
        print(f"replay: {seen} events in {ended - started:.2f}s = {seen / (ended - started):.0f} events/s")

        def send_all() -> None:
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(post, range(args.live)))

        started = time.perf_counter()
        sender = threading.Thread(target=send_all)
        sender.start()
        seen = 0
        while seen < args.live:
            if stream.event(60)[1] == "message.created":
                seen += 1
        ended = time.perf_counter()
        sender.join()
        print(f"live: {seen} events in {ended - started:.2f}s = {seen / (ended - started):.0f} events/s "
              "(limited by the 4 sending clients)")
        stream.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
