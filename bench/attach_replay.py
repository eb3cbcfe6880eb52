"""Reconnect-and-replay: how long an attachment takes to catch up on 10,000 missed events.

    .venv/bin/python bench/attach_replay.py [--missed 10000]

A live `moltnet start` of ours (SQLite; ours only: the Go server replays from a 256-event memory ring,
so there is no Go figure to compare). An agent attaches, takes the cursor of one message and leaves;
10,000 messages are then stored through the send path; the agent reconnects with its cursor and
ACKs every EVENT. Reported: time from opening the socket to the last missed EVENT received.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
from attach_common import Server, attach, fill_log, listen, start_server


async def take_cursor(server: Server) -> str:
    ws = await attach(server.ws_url, "replayer")
    accepted = httpx.post(server.base_url + "/v1/messages", json={
        "target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "filler"},
        "parts": [{"kind": "text", "text": "last seen"}]}).json()
    await ws.close()
    return accepted["event_id"]


async def replay(server: Server, cursor: str, missed: int) -> tuple[float, int]:
    got = 0
    done = asyncio.Event()

    def on_event(frame, _at):
        nonlocal got
        if frame["event"]["type"] == "message.created":
            got += 1
            if got == missed:
                done.set()

    started = time.perf_counter()
    ws = await attach(server.ws_url, "replayer", cursor)
    stop = asyncio.Event()
    task = asyncio.ensure_future(listen(ws, on_event, stop))
    await asyncio.wait_for(done.wait(), 300)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    await ws.close()
    return elapsed, got


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--missed", type=int, default=10000)
    args = parser.parse_args()
    server = start_server("replay")
    try:
        cursor = asyncio.run(take_cursor(server))
        filled = time.perf_counter()
        fill_log(server, args.missed)
        print(f"stored {args.missed} messages in {time.perf_counter() - filled:.1f}s")
        elapsed, got = asyncio.run(replay(server, cursor, args.missed))
        print(f"replayed {got} missed events in {elapsed:.2f}s ({got / elapsed:.0f} events/s)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
