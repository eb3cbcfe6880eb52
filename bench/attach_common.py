"""Shared pieces of the real-time benchmarks: a live server, async attachments, percentiles."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.live import LiveServer  # noqa: E402

VERSION = "moltnet.attach.v1"
CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
auth: {mode: none}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
"""


# Open mode: anonymous attachments receive the public subset, so presence events of the other
# N-1 agents do not multiply the setup traffic (in auth.mode none every socket sees everything).
OPEN_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
auth:
  mode: open
  rate_limits: {enabled: false}
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, write, observe]}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
"""
OPS = {"Authorization": "Bearer ops-secret"}


def start_server(name: str = "bench", config: str = CONFIG) -> LiveServer:
    workdir = Path(tempfile.mkdtemp(prefix=f"moltnet-{name}-"))
    env = {"PYTHONPATH": str(REPO), "MOLTNET_LOG_LEVEL": "WARNING"}
    return LiveServer(workdir, textwrap.dedent(config), env).start(timeout=60)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def attach(ws_url: str, agent_id: str, cursor: str = ""):
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


async def listen(ws, on_event, stop: asyncio.Event) -> None:
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


async def attach_listening(ws_url: str, agent_ids: list[str], on_event, stop: asyncio.Event,
                           batch: int = 50) -> tuple[list, list[asyncio.Task]]:
    """Attach agents `batch` at a time, each listening as soon as it is READY.

    Listening at once matters: a socket that answers no PING while the others attach is ended
    by the server's 10 s read deadline on a slow box.
    """
    sockets, tasks = [], []
    for start in range(0, len(agent_ids), batch):
        attached = await asyncio.gather(*(attach(ws_url, agent_id) for agent_id in agent_ids[start:start + batch]))
        tasks += [asyncio.ensure_future(listen(ws, on_event, stop)) for ws in attached]
        sockets += attached
    return sockets, tasks


def fill_log(server: LiveServer, count: int) -> None:
    """Store `count` room messages through the one send path (rooms.send.do_send), in-process on the
    server's SQLite file, 200 per transaction: far faster than `count` HTTP requests."""
    os.environ["MOLTNET_CONFIG"] = str(server.config_path)
    os.environ["DJANGO_SETTINGS_MODULE"] = "moltnet.settings"
    os.chdir(server.workdir)
    import django

    django.setup()
    from django.db import transaction

    from agents.auth import Caller
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
