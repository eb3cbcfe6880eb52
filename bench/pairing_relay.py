"""Pairing relay benchmark: two real paired `moltnet start` processes (SQLite, bearer, pair tokens).

    .venv/bin/python bench/pairing_relay.py [--latency 50] [--backlog 500]

1. Live latency: one message at a time is POSTed to alpha; the time until it is readable in
   beta's room history (polled every 5 ms) gives p50/p99 end-to-end relay latency.
2. Backlog drain: beta is stopped, `--backlog` messages are sent to alpha, beta is started again;
   the time from beta answering /healthz until every message is in its history gives the drain
   rate (messages/second) of the durable relay catching up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import free_port, percentile  # noqa: E402
from tests.pairings.conftest import network_config  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

ENV = {"MOLTNET_LOG_LEVEL": "WARNING", "MOLTNET_RELAY_BACKOFF_MIN": "0.2",
       "MOLTNET_RELAY_BACKOFF_MAX": "1", "MOLTNET_RELAY_POLL_INTERVAL": "0.2"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=int, default=50)
    parser.add_argument("--backlog", type=int, default=500)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="moltnet-bench-pair-"))
    alpha_port, beta_port = free_port(), free_port()
    beta = LiveServer(root / "beta", network_config("beta", "alpha", alpha_port, inbound_token="a2b",
                                                    outbound_token="b2a", members=["gamma", "alpha:luna"]),
                      ENV, beta_port).start()
    alpha = LiveServer(root / "alpha", network_config("alpha", "beta", beta_port, inbound_token="b2a",
                                                      outbound_token="a2b", members=["luna", "beta:gamma"]),
                       ENV, alpha_port).start()
    try:
        sender, reader = alpha.client("alpha-operator-secret"), beta.client("beta-operator-secret")
        body = {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "luna"},
                "parts": [{"kind": "text", "text": "ping"}]}
        latencies = []
        for i in range(args.latency):
            started = time.perf_counter()
            message_id = sender.post("/v1/messages", json=body).json()["message_id"]
            # A history cursor is only valid once the message exists on beta.
            while reader.get(f"/v1/rooms/atrium/messages?after={message_id}").status_code != 200:
                time.sleep(0.005)
            latencies.append(time.perf_counter() - started)
            if i == 0:
                latencies.clear()  # the first relay also runs the pairing's network check
        print(f"live relay latency over {len(latencies)} messages: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.0f} ms")

        beta.stop()
        before = args.latency
        for _ in range(args.backlog):
            sender.post("/v1/messages", json=body)
        beta.start()
        started = time.perf_counter()
        while True:
            if count_all(reader) >= before + args.backlog:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        print(f"backlog of {args.backlog} drained in {elapsed:.1f} s: {args.backlog / elapsed:.0f} messages/s")
    finally:
        alpha.stop()
        beta.stop()


def count_all(client) -> int:
    """Messages in beta's atrium, paging back through history."""
    total, cursor = 0, ""
    while True:
        params = {"limit": 500, **({"before": cursor} if cursor else {})}
        page = client.get("/v1/rooms/atrium/messages", params=params).json()
        total += len(page["messages"])
        if not page["page"].get("has_more"):
            return total
        cursor = page["page"]["next_before"]


if __name__ == "__main__":
    main()
