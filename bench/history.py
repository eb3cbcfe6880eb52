"""History benchmark: page a room of 100,000 messages over real HTTP.

Starts `moltnet start` on SQLite, seeds the room by bulk insert through the ORM (the project's
settings pointed at the bench server's database file — seeding is not what is measured), then
pages the whole room newest→oldest with `before` cursors and prints per-page p50/p99 and the
total, for each `--limit`.

    .venv/bin/python bench/history.py --messages 100000 --limit 100 --limit 500
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, BenchServer, percentile  # noqa: E402


def seed(server: BenchServer, count: int) -> float:
    """Bulk-insert `count` room messages straight into the server's SQLite file."""
    os.environ["MOLTNET_CONFIG"] = str(server.config)
    os.environ["MOLTNET_SQLITE_PATH"] = str(server.db_path)
    os.environ["DJANGO_SETTINGS_MODULE"] = "moltnet.settings"
    os.environ.setdefault("MOLTNET_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db import transaction

    from rooms.models import Message

    started = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    target = '{"kind":"room","room_id":"history"}'
    batch = 5000
    for offset in range(0, count, batch):
        rows = []
        for i in range(offset, min(count, offset + batch)):
            message_id = f"msg_{i:08d}"
            rows.append(Message(
                id=message_id, network_id="local", target_kind="room", room_id="history", target_json=target,
                from_json='{"type":"agent","id":"seed","network_id":"local","fqid":"molt://local/agents/seed"}',
                parts_json=f'[{{"kind":"text","text":"seeded message {i}"}}]', mentions_json="null",
                origin_json=f'{{"network_id":"local","message_id":"{message_id}"}}',
                created_at=base + timedelta(milliseconds=i)))
        with transaction.atomic():
            Message.objects.bulk_create(rows)
    return time.perf_counter() - started


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
    args = parser.parse_args()
    limits = args.limit or [100, 500]
    server = BenchServer("  - id: history\n    members: [seed]\n")
    try:
        seeded = seed(server, args.messages)
        print(f"history: seeded {args.messages} messages in {seeded:.1f}s")
        for limit in limits:
            seen, pages, total, latencies = page_all(server.base_url, limit)
            assert seen == args.messages, (seen, args.messages)
            p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
            print(f"  limit={limit}: {pages} pages, total {total:.2f}s, per page p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
