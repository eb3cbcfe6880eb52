"""Shared pieces of the real-time benchmarks: configs, async attachments, backlog filling.

Servers come from the one launcher in common.py (`start_server(name, config, impl)`); attachments
speak spec 05 (HELLO → IDENTIFY → READY, answer every PING with a PONG, ACK every EVENT).

    .venv/bin/python bench/attach_common.py --fill <server workdir> <count>   (used by fill_log)
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OURS_REPO, REPO, Server, percentile, rss_kib  # noqa: E402, F401 - re-exported for the scripts

VERSION = "moltnet.attach.v1"
CONFIG = """version: moltnet.v1
network: {id: lab, name: Lab}
auth: {mode: none}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
"""


# Open mode: anonymous attachments receive the public subset, so presence events of the other
# N-1 agents do not multiply the setup traffic (in auth.mode none every socket sees everything).
# Our anonymous attach rate limit is an extension (Go has none): off, so both take 1,000 attaches.
OPEN_CONFIG = """version: moltnet.v1
network: {id: lab, name: Lab}
auth:
  mode: open
  rate_limits: {enabled: false}  # ours-only
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, write, observe]}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
"""
OPS = {"Authorization": "Bearer ops-secret"}


def start_server(name: str = "bench", config: str = CONFIG, impl: str = "ours") -> Server:
    return Server(impl, config, name=name)


async def attach(ws_url: str, agent_id: str, cursor: str = "") -> Any:
    """Open an attachment and complete IDENTIFY; returns the websockets connection."""
    import websockets

    ws = await websockets.connect(ws_url + "/v1/attach", max_size=None, ping_interval=None, open_timeout=60)
    await ws.recv()
    await ws.send(json.dumps({"op": "IDENTIFY", "version": VERSION, "network_id": "lab",
                              "agent": {"id": agent_id}, "cursor": cursor}))
    ready = json.loads(await ws.recv())
    if ready["op"] != "READY":
        raise RuntimeError(ready)
    return ws


async def listen(ws: Any, on_event: Callable, stop: asyncio.Event) -> None:
    """Answer PINGs with PONGs, ACK every EVENT and hand it to `on_event(frame, received_at)`."""
    while not stop.is_set():
        try:
            raw = await asyncio.wait_for(ws.recv(), 0.5)
        except TimeoutError:
            continue
        except Exception:
            return
        at = time.time()
        frame = json.loads(raw)
        if frame["op"] == "PING":
            await ws.send('{"op":"PONG"}')
        elif frame["op"] == "ERROR":
            raise RuntimeError(frame["error"])
        elif frame["op"] == "EVENT":
            await ws.send(json.dumps({"op": "ACK", "cursor": frame["cursor"]}))
            on_event(frame, at)


async def attach_listening(ws_url: str, agent_ids: list[str], on_event: Callable, stop: asyncio.Event,
                           batch: int = 50) -> tuple[list, list[asyncio.Task]]:
    """Attach agents `batch` at a time, each listening as soon as it is READY.

    `on_event(agent_id, frame, received_at)` is called for every EVENT. Listening at once matters:
    a socket that answers no PING while the others attach is ended by the server's 10 s read
    deadline on a slow box.
    """
    sockets, tasks = [], []
    for start in range(0, len(agent_ids), batch):
        ids = agent_ids[start:start + batch]
        attached = await asyncio.gather(*(attach(ws_url, agent_id) for agent_id in ids))
        for agent_id, ws in zip(ids, attached, strict=True):
            def handler(frame, at, agent_id=agent_id):
                on_event(agent_id, frame, at)
            tasks.append(asyncio.ensure_future(listen(ws, handler, stop)))
        sockets += attached
    return sockets, tasks


def fill_log(server: Server, count: int) -> str:
    """Store `count` room messages in OUR server's database through our send path (rooms.send.do_send),
    in a child process pointed at the server's config and SQLite file (far faster than `count` HTTP
    requests). Returns the last stored event id. Ours only: the Go server has no durable event log."""
    if server.impl != "ours":
        raise ValueError("fill_log writes through our Django code: ours only")
    env = {**os.environ, "PYTHONPATH": str(OURS_REPO)}
    out = subprocess.run([sys.executable, __file__, "--fill", str(server.workdir), str(count)],
                         capture_output=True, text=True, cwd=server.workdir, env=env)
    if out.returncode != 0:
        raise SystemExit(f"fill_log failed:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def _fill(workdir: Path, count: int) -> None:
    os.environ["MOLTNET_CONFIG"] = str(workdir / "Moltnet")
    os.environ["DJANGO_SETTINGS_MODULE"] = "moltnet.settings"
    os.environ.setdefault("MOLTNET_LOG_LEVEL", "WARNING")
    os.chdir(workdir)
    import django

    django.setup()
    from django.db import transaction

    from agents.auth import Caller
    from events.models import Event
    from moltnet import state
    from rooms.schemas import SendMessageRequest
    from rooms.send import do_send

    cfg = state.config()
    for start in range(0, count, 200):  # short transactions: the server keeps writing meanwhile
        with transaction.atomic():
            for i in range(start, min(count, start + 200)):
                request = SendMessageRequest.model_validate(
                    {"target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "filler"},
                     "parts": [{"kind": "text", "text": f"backlog message {i}"}]})
                do_send(Caller(), request, cfg)
    print(Event.objects.order_by("-seq").values_list("event_id", flat=True).first())


if __name__ == "__main__" and sys.argv[1:2] == ["--fill"]:
    _fill(Path(sys.argv[2]), int(sys.argv[3]))
