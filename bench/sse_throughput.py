"""Events per second through one SSE observer (GET /v1/events/stream) following concurrent senders.

    .venv/bin/python bench/sse_throughput.py [--live 1000] [--senders 8] [--backlog 10000] [--rounds 3]
    MOLTNET_GO_BIN=../shared/reference/moltnet-go .venv/bin/python bench/sse_throughput.py --backlog 0

A live `moltnet start` (ours, and Go when MOLTNET_GO_BIN is set, alternating round by round;
SQLite, auth none). Live: one observer connects, a marker message proves it is subscribed, then
--senders threads POST --live messages while the observer follows; the rate is events received
per second from the first POST to the last event (bounded by how fast the server accepts sends).
Missing = accepted messages whose `message.created` never reached the observer (must be 0).
Replay (ours only, skipped with --backlog 0): the log is filled with --backlog messages through our
send path, then an observer connects with `Last-Event-ID` and reads until the last one — Go keeps
only a 256-event memory ring, so it has no comparable figure.
"""

from __future__ import annotations

import argparse
import logging
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from attach_common import REPO, fill_log, start_server
from common import Figure, Server, compare

sys.path.insert(0, str(REPO))
from tests.support.sse import Stream  # noqa: E402

FIGURES = [Figure("live_rate", "live: events/s at one observer", "events/s", higher_is_better=True),
           Figure("missing", "live: missing events", "count", ratio=False),
           Figure("replay_rate", "replay backlog via Last-Event-ID (ours only)", "events/s", higher_is_better=True)]


def count_until(stream: Stream, last_id: str, timeout: float = 120) -> tuple[int, float, float]:
    seen, first_at = 0, 0.0
    while True:
        event_id, event_type, _ = stream.event(timeout)
        if event_type == "message.created":
            seen += 1
            first_at = first_at or time.perf_counter()
        if event_id == last_id:
            return seen, first_at, time.perf_counter()


def live(server: Server, count: int, senders: int) -> tuple[int, int, float]:
    """Follow `count` sends from `senders` threads: (received, missing, seconds to the last event)."""
    client = httpx.Client(base_url=server.base_url, timeout=30,
                          limits=httpx.Limits(max_connections=senders, max_keepalive_connections=senders))

    def post(i: int) -> str:
        body = {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "bench"},
                "parts": [{"kind": "text", "text": f"event {i}"}]}
        response = client.post("/v1/messages", json=body)
        response.raise_for_status()
        return response.json()["event_id"]

    stream = Stream(server.base_url)
    try:
        marker = post(-1)
        while stream.event(30)[0] != marker:
            pass
        posted: list[str] = []
        started = time.perf_counter()

        def send_all() -> None:
            with ThreadPoolExecutor(senders) as pool:
                posted.extend(pool.map(post, range(count)))

        sender = threading.Thread(target=send_all)
        sender.start()
        seen: set[str] = set()
        last_at = started
        while len(seen) < count:
            try:
                event_id, event_type, _ = stream.event(60 if sender.is_alive() else 5)
            except queue.Empty:
                break
            if event_type == "message.created":
                seen.add(event_id)
                last_at = time.perf_counter()
        sender.join()
        missing = len(set(posted) - seen)
        return len(seen), missing, last_at - started
    finally:
        stream.close()
        client.close()


def replay(server: Server, backlog: int) -> float:
    """Fill our log with `backlog` messages, then time one `Last-Event-ID` replay of them: events/s."""
    cursor = httpx.post(server.base_url + "/v1/messages", json={
        "target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "bench"},
        "parts": [{"kind": "text", "text": "cursor"}]}).json()["event_id"]
    last = fill_log(server, backlog)
    started = time.perf_counter()
    stream = Stream(server.base_url, headers={"Last-Event-ID": cursor})
    try:
        seen, _, ended = count_until(stream, last)
    finally:
        stream.close()
    print(f"    replay: {seen} events in {ended - started:.2f}s = {seen / (ended - started):.0f} events/s", flush=True)
    return seen / (ended - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backlog", type=int, default=10000, help="replayed backlog, ours only (0: skip)")
    parser.add_argument("--live", type=int, default=1000, help="messages sent while the observer follows")
    parser.add_argument("--senders", type=int, default=8, help="concurrent sending threads (keep-alive clients)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per implementation (alternating)")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)

    def measure(impl: str) -> dict[str, float]:
        server = start_server("sse", impl=impl)
        with server:  # stopped at the end; its log tail shown if the round failed
            seen, missing, elapsed = live(server, args.live, args.senders)
            print(f"    {impl} live: {seen} events in {elapsed:.2f}s = {seen / elapsed:.0f} events/s, "
                  f"{missing} missing ({args.senders} senders)", flush=True)
            result = {"live_rate": seen / elapsed, "missing": missing}
            if impl == "ours" and args.backlog:
                result["replay_rate"] = replay(server, args.backlog)
            return result

    compare(f"SSE: one observer, {args.senders} concurrent senders, {args.live} messages",
            FIGURES if args.backlog else FIGURES[:2], measure, args.rounds)


if __name__ == "__main__":
    main()
