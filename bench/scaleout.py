"""Scale-out: send throughput of two of our server processes (Postgres + Redis) vs one Go process (Postgres).

    .venv/bin/python bench/scaleout.py [--clients 8] [--messages 2000] [--procs 2] [--rounds 3]
    MOLTNET_GO_BIN=../shared/reference/moltnet-go .venv/bin/python bench/scaleout.py --messages 1000

A throwaway Postgres 15 cluster (tests/support/pgcluster.py: initdb/pg_ctl as the `postgres` system
user, fsync off) and a redis-server on a free port (tests/support/redisserver.py) are started once.
Per round and implementation, alternating, on a FRESH database of that cluster:
- ours: --procs `moltnet start` processes, one after another (README "Deploy a public network"),
  on MOLTNET_POSTGRES_DSN and MOLTNET_REDIS_URL; client i sends to process i mod --procs;
- Go: one `moltnet-go start` on MOLTNET_POSTGRES_DSN (Go has no Redis; it is one process); all
  clients send to it.
The load is send.py's (httpx async keep-alive clients, warm-up first, one room): messages/s and
p50/p99 latency, then the medians and ours ÷ Go.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, Server, compare  # noqa: E402
from send import FIGURES, measure_urls, room_config  # noqa: E402

sys.path.insert(0, str(REPO))
from tests.support.pgcluster import PgCluster  # noqa: E402
from tests.support.redisserver import RedisServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients in all")
    parser.add_argument("--messages", type=int, default=2000, help="total messages to send")
    parser.add_argument("--procs", type=int, default=2, help="our server processes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per implementation (alternating)")
    args = parser.parse_args()
    print("starting Postgres 15 and Redis ...", flush=True)
    cluster = PgCluster()
    redis = None
    try:
        redis = RedisServer()
        counter = iter(range(1_000_000))

        def measure(impl: str) -> dict[str, float]:
            dsn = cluster.create_database(f"bench_{impl}_{next(counter)}")
            env = {"MOLTNET_POSTGRES_DSN": dsn}
            if impl == "ours":
                env["MOLTNET_REDIS_URL"] = redis.url
            servers: list[Server] = []
            try:
                for _ in range(args.procs if impl == "ours" else 1):
                    servers.append(Server(impl, room_config(args.clients), env=env, name="scaleout"))
                return measure_urls([s.base_url for s in servers], args.clients, args.messages)
            except BaseException:
                for s in servers:
                    s.explain()
                raise
            finally:
                for s in servers:
                    s.stop()

        title = (f"scale-out on Postgres: {args.clients} clients, {args.messages} messages; "
                 f"ours = {args.procs} processes + Redis, Go = 1 process")
        medians = compare(title, FIGURES, measure, args.rounds)
        if any(m.get("errors") for m in medians.values()):
            raise SystemExit("scaleout: some answers were not 202 (see above)")
    finally:
        if redis:
            redis.stop()
        cluster.stop()


if __name__ == "__main__":
    main()
