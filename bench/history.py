"""History benchmark: the newest page of a 100,000-message room, and paging all of it, over real HTTP.

    .venv/bin/python bench/history.py --messages 100000 --limit 100 --limit 500 [--rounds 3]
    MOLTNET_GO_BIN=../shared/reference/moltnet-go .venv/bin/python bench/history.py --limit 100

Per round and implementation (ours, and Go when MOLTNET_GO_BIN is set, alternating): `moltnet start`
on SQLite creates its schema and the declared room, is stopped, the room is seeded by inserting rows
straight into the `messages` table with the stdlib sqlite3 module (our schema is the Go schema, so
one INSERT with named columns fits both; times are fixed-width RFC 3339 text), and the server is
started again on the same file. Measured: GET of the newest page (--newest requests, no cursor),
then paging the whole room newest→oldest with `before` cursors, per-page p50/p99 and the total,
for each `--limit`. Seeding is not measured.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Figure, Server, compare, percentile  # noqa: E402

CONFIG = "version: moltnet.v1\nrooms:\n  - id: history\n    members: [seed]\n"
INSERT = ("INSERT INTO messages (id, network_id, target_kind, room_id, thread_id, parent_message_id, dm_id, "
          "target_json, from_json, parts_json, mentions_json, created_at, origin_json) "
          "VALUES (?, 'local', 'room', 'history', NULL, NULL, NULL, ?, ?, ?, 'null', ?, ?)")
TARGET = '{"kind":"room","room_id":"history"}'
SENDER = '{"type":"agent","id":"seed","network_id":"local","fqid":"molt://local/agents/seed"}'


def rfc3339(moment: datetime) -> str:
    """Fixed-width RFC 3339 UTC with nanoseconds, as both servers store times in SQLite."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond * 1000:09d}Z"


def seed(db_path: Path, count: int) -> float:
    """Insert `count` messages of room `history` into the (stopped) server's SQLite file; seconds taken."""
    started = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    db = sqlite3.connect(db_path)
    try:
        with db:
            db.executemany(INSERT, (
                (f"msg_{i:08d}", TARGET, SENDER, f'[{{"kind":"text","text":"seeded message {i}"}}]',
                 rfc3339(base + timedelta(milliseconds=i)), f'{{"network_id":"local","message_id":"msg_{i:08d}"}}')
                for i in range(count)))
    finally:
        db.close()
    return time.perf_counter() - started


def newest(base_url: str, limit: int, requests: int) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for _ in range(requests):
            t0 = time.perf_counter()
            client.get("/v1/rooms/history/messages", params={"limit": limit}).raise_for_status()
            latencies.append(time.perf_counter() - t0)
    return latencies


def page_all(base_url: str, limit: int) -> tuple[int, int, float, list[float]]:
    latencies: list[float] = []
    seen = 0
    cursor = ""
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=60) as client:
        while True:
            params = {"limit": limit, **({"before": cursor} if cursor else {})}
            t0 = time.perf_counter()
            response = client.get("/v1/rooms/history/messages", params=params)
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()
            body = response.json()
            seen += len(body["messages"])
            if not body["page"]["has_more"]:
                break
            cursor = body["page"]["next_before"]
    return seen, len(latencies), time.perf_counter() - started, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages to seed")
    parser.add_argument("--limit", type=int, action="append", help="page size (repeatable; default 100 and 500)")
    parser.add_argument("--newest", type=int, default=50, help="GETs of the newest page per limit")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per implementation (alternating)")
    args = parser.parse_args()
    limits = args.limit or [100, 500]
    figures = []
    for limit in limits:
        figures += [Figure(f"newest_p50_{limit}", f"limit={limit} newest page p50", "ms"),
                    Figure(f"newest_p99_{limit}", f"limit={limit} newest page p99", "ms"),
                    Figure(f"p50_{limit}", f"limit={limit} paging back, per page p50", "ms"),
                    Figure(f"p99_{limit}", f"limit={limit} paging back, per page p99", "ms"),
                    Figure(f"total_{limit}", f"limit={limit} paging back, whole room", "s")]

    def measure(impl: str) -> dict[str, float]:
        server = Server(impl, CONFIG, name="history")
        with server:  # stopped at the end; its log tail shown if the round failed
            server.stop(keep=True)
            seeded = seed(server.db_path, args.messages)
            server.start()
            print(f"    {impl}: seeded {args.messages} messages in {seeded:.1f}s", flush=True)
            result: dict[str, float] = {}
            for limit in limits:
                first = newest(server.base_url, limit, args.newest)
                seen, pages, total, latencies = page_all(server.base_url, limit)
                if seen != args.messages:
                    raise SystemExit(f"{impl} paged {seen} messages, seeded {args.messages}")
                result.update({f"newest_p50_{limit}": percentile(first, 50) * 1000,
                               f"newest_p99_{limit}": percentile(first, 99) * 1000,
                               f"p50_{limit}": percentile(latencies, 50) * 1000,
                               f"p99_{limit}": percentile(latencies, 99) * 1000, f"total_{limit}": total})
                print(f"    {impl} limit={limit}: {pages} pages, total {total:.2f}s", flush=True)
            return result

    compare(f"history: room of {args.messages} messages", figures, measure, args.rounds)


if __name__ == "__main__":
    main()
