"""Pairing catch-up benchmark: a real `moltnet start` relaying a backlog to a distant partner.

    .venv/bin/python bench/pairing_catchup.py [--backlog 500] [--latency-ms 50] [--concurrency 1 8]

The partner is a real small HTTP server (tests/pairings/remote.py) that answers every request
after `--latency-ms`. While it refuses messages with 503, `--backlog` messages are sent to the
server; then it starts accepting, and the time until it has accepted every message is the
catch-up time. One round per `--concurrency` value (MOLTNET_RELAY_CONCURRENCY): 1 is the relay
before issue 13 point 8 (one request at a time per pairing), 8 the default now.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import free_port  # noqa: E402
from tests.pairings.conftest import network_config  # noqa: E402
from tests.pairings.remote import ACCEPTED, ScriptedRemote  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

# Retries every 0.2 s while the partner refuses, so the rounds differ only in how they catch up.
ENV = {"MOLTNET_LOG_LEVEL": "WARNING", "MOLTNET_RELAY_BACKOFF_MIN": "0.2", "MOLTNET_RELAY_BACKOFF_MAX": "0.2",
       "MOLTNET_RELAY_POLL_INTERVAL": "0.2"}


def catch_up(backlog: int, latency: float, concurrency: int) -> float:
    """Seconds from the partner coming back until it has accepted all `backlog` messages."""
    partner = ScriptedRemote(latency=latency)
    partner.answers["/v1/messages"] = (503, {"error": "down for maintenance"})
    root = Path(tempfile.mkdtemp(prefix="moltnet-bench-catchup-"))
    config = network_config("alpha", "beta", int(partner.url.rsplit(":", 1)[1]), inbound_token="b2a",
                            outbound_token="a2b", members=["luna"])
    server = LiveServer(root, config, {**ENV, "MOLTNET_RELAY_CONCURRENCY": str(concurrency)}, free_port()).start()
    try:
        client = server.client("alpha-operator-secret")
        body = {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "luna"},
                "parts": [{"kind": "text", "text": "backlog"}]}
        for _ in range(backlog):
            assert client.post("/v1/messages", json=body).status_code == 202
        while client.get("/v1/pairings").json()["pairings"][0]["relay"]["queued"] < backlog:
            time.sleep(0.05)
        refused = len(partner.seen)
        partner.answers["/v1/messages"] = (202, ACCEPTED)
        started = time.perf_counter()
        while True:
            accepted = {s.body["id"] for s in partner.seen[refused:] if s.method == "POST" and s.body}
            if len(accepted) >= backlog:
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        while client.get("/v1/pairings").json()["pairings"][0]["relay"]["queued"]:
            time.sleep(0.05)  # the cursor follows: nothing is left behind
        return elapsed
    finally:
        server.stop()
        partner.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    for concurrency in args.concurrency:
        elapsed = catch_up(args.backlog, args.latency_ms / 1000, concurrency)
        print(f"{args.backlog} messages to a partner {args.latency_ms:g} ms away, {concurrency} in flight: "
              f"caught up in {elapsed:.1f} s ({args.backlog / elapsed:.0f} messages/s)", flush=True)


if __name__ == "__main__":
    main()
