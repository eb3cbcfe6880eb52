"""A client that stops reading costs bounded memory and never delays the others (docs/protocol/attach.md §15)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.support.attach import NONE_CONFIG, agent_event, room, send, start_live
from tests.support.attachclient import VERSION, Attachment

pytestmark = pytest.mark.live

BIG = "x" * 60_000
COUNT = 200


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_reader_that_stalls_is_cut_off_and_others_keep_up(tmp_path_factory):
    server = start_live(tmp_path_factory, NONE_CONFIG, "slow")
    try:
        observer = Attachment(server.ws_url)
        observer.identify("watcher")
        healthy = Attachment(server.ws_url)
        healthy.identify("healthy")
        # The stalled client keeps sending PONGs (so the read deadline never fires) but never reads:
        # its library stops pulling from the socket after a few frames.
        stalled = Attachment(server.ws_url, max_size=None)
        stalled.identify("stalled")
        stop = threading.Event()

        def keep_ponging() -> None:
            while not stop.is_set():
                try:
                    stalled.send({"op": "PONG", "version": VERSION})
                except Exception:
                    return
                time.sleep(1)

        threading.Thread(target=keep_ponging, daemon=True).start()
        before = rss_kib(server.process.pid)
        started = time.monotonic()
        last = None
        for i in range(COUNT):
            last = send(server, room(), f"{i} {BIG}")
        got = 0
        while True:
            event = healthy.next_event(timeout=10)["event"]
            if event["type"] == "message.created":
                got += 1
                if event["id"] == last["event_id"]:
                    break
        assert got == COUNT and time.monotonic() - started < 30
        gone = agent_event(observer, "agent.disconnected", "stalled", timeout=30)
        assert gone["agent"]["reason"] == "event_write_failed"
        grown_mib = (rss_kib(server.process.pid) - before) / 1024
        assert grown_mib < 48, f"server grew {grown_mib:.0f} MiB for {COUNT * len(BIG) >> 20} MiB of traffic"
        stop.set()
        healthy.close()
        observer.close()
    finally:
        server.stop()
