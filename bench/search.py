"""Search benchmark: GET /v1/search p50/p99 on a 100,000-message room, SQLite and Postgres, over real HTTP.

    .venv/bin/python bench/search.py [--messages 100000] [--requests 40] [--backend sqlite --backend postgres]

Per backend: `moltnet start` creates its schema and the declared public room `search`; the room is
seeded by inserting rows straight into `messages` (SQLite: stdlib sqlite3 on the stopped server's file;
Postgres: COPY into a fresh database of a throwaway cluster, tests/support/pgcluster.py, fsync off),
so the index is built by what builds it for real sends (the FTS5 triggers, the generated column).
Each message is "seeded message <i>" plus 8 words drawn from a 5,000-word vocabulary with Zipf-like
frequencies (fixed seed), so a word's rank sets how many messages hold it. Measured, anonymously
(public_read), `limit=20`, one keep-alive client: each query kind below, `--requests` times,
p50/p99 per kind. Seeding is not measured. Postgres runs ANALYZE after seeding.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, Server, percentile  # noqa: E402

sys.path.insert(0, str(REPO))
from tests.support.pgcluster import PgCluster  # noqa: E402

CONFIG = "version: moltnet.v1\nrooms:\n  - {id: search, visibility: public, members: [seed]}\n"
COLUMNS = ("id", "network_id", "target_kind", "room_id", "target_json", "from_json", "parts_json", "mentions_json",
           "created_at", "origin_json")
TARGET = '{"kind":"room","room_id":"search"}'
SENDER = '{"type":"agent","id":"seed","network_id":"local","fqid":"molt://local/agents/seed"}'
VOCABULARY = 5000
# (label, query parameters): a word's number is its frequency rank (1 = in most messages); the hit
# counts are those of the default 100,000 messages.
QUERIES = [
    ("rare word (~30 hits)", {"q": "w4000"}),
    ("medium word (~2,100 hits)", {"q": "w40"}),
    ("common word (~60,000 hits)", {"q": "w1"}),
    ("two words, AND", {"q": "w3 w20"}),
    ('phrase "seeded message 4242"', {"q": '"seeded message 4242"'}),
    ("common word minus another (~16,000)", {"q": "w2 -w1"}),
    ("medium word, order=relevance", {"q": "w40", "order": "relevance"}),
    ("common word, order=relevance", {"q": "w1", "order": "relevance"}),
    ("common word, 2nd page (before)", {"q": "w1", "before": "CURSOR"}),
]


def messages(count: int) -> list[tuple]:
    rng = random.Random(42)
    weights = [1 / rank for rank in range(1, VOCABULARY + 1)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        words = " ".join(f"w{r}" for r in rng.choices(range(1, VOCABULARY + 1), weights, k=8))
        parts = json.dumps([{"kind": "text", "text": f"seeded message {i} {words}"}], separators=(",", ":"))
        moment = base + timedelta(milliseconds=i)
        rows.append((f"msg_{i:08d}", "local", "room", "search", TARGET, SENDER, parts, "null", moment,
                     f'{{"network_id":"local","message_id":"msg_{i:08d}"}}'))
    return rows


def seed_sqlite(db_path: Path, rows: list[tuple]) -> None:
    def text(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond * 1000:09d}Z"

    db = sqlite3.connect(db_path)
    try:
        with db:
            db.executemany(f"INSERT INTO messages ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                           (row[:8] + (text(row[8]),) + row[9:] for row in rows))
    finally:
        db.close()


def seed_postgres(dsn: str, rows: list[tuple]) -> None:
    import psycopg

    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cursor, cursor.copy(f"COPY messages ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE messages")


def measure(base_url: str, requests: int) -> dict[str, tuple[float, float, int]]:
    results = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        first = client.get("/v1/search", params={"q": "w1", "limit": 20}).json()
        cursor = first["page"].get("next_before", "")
        for label, params in QUERIES:
            params = {**params, "limit": 20}
            if params.get("before") == "CURSOR":
                params["before"] = cursor
            latencies = []
            for _ in range(requests):
                t0 = time.perf_counter()
                response = client.get("/v1/search", params=params)
                latencies.append(time.perf_counter() - t0)
                response.raise_for_status()
            hits = len(response.json()["messages"])
            results[label] = (percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, hits)
            print(f"    {label}: p50 {results[label][0]:.1f} ms, p99 {results[label][1]:.1f} ms ({hits} on page)",
                  flush=True)
    return results


def run_sqlite(rows: list[tuple], requests: int) -> dict:
    with Server("ours", CONFIG, name="search") as server:
        server.stop(keep=True)
        started = time.perf_counter()
        seed_sqlite(server.db_path, rows)
        print(f"  sqlite: seeded and indexed {len(rows)} messages in {time.perf_counter() - started:.1f}s", flush=True)
        server.start()
        return measure(server.base_url, requests)


def run_postgres(rows: list[tuple], requests: int) -> dict:
    cluster = PgCluster()
    try:
        dsn = cluster.create_database("bench_search")
        with Server("ours", CONFIG, name="search", env={"MOLTNET_POSTGRES_DSN": dsn}) as server:
            started = time.perf_counter()
            seed_postgres(dsn, rows)
            print(f"  postgres: seeded and indexed {len(rows)} messages in {time.perf_counter() - started:.1f}s",
                  flush=True)
            return measure(server.base_url, requests)
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages in the room")
    parser.add_argument("--requests", type=int, default=40, help="requests per query kind")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"], help="default: both")
    args = parser.parse_args()
    rows = messages(args.messages)
    results = {}
    for backend in args.backend or ["sqlite", "postgres"]:
        print(f"{backend}: room of {args.messages} messages", flush=True)
        results[backend] = (run_sqlite if backend == "sqlite" else run_postgres)(rows, args.requests)
    backends = list(results)
    print("\n| query (limit=20) | " + " | ".join(f"{b} p50 / p99" for b in backends) + " |")
    print("|---|" + "---|" * len(backends))
    for label, _ in QUERIES:
        cells = [f"{results[b][label][0]:.1f} / {results[b][label][1]:.1f} ms" for b in backends]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
