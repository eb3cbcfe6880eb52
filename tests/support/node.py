"""Node test helpers: a studio network, bridges to fake runtimes, posting and reading history, waiting."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from node.config import bridge_from_document, validate_bridge
from node.runner import Runner
from tests.support.live import LiveServer

FAKES = Path(__file__).resolve().parents[1] / "node" / "fakes"
_scratch: list[str] = []
atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _scratch])
REPO = Path(__file__).resolve().parents[2]

STUDIO = """version: moltnet.v1
network: {id: studio, name: Studio}
server: {human_ingress: true, direct_messages: true}
rooms:
  - {id: lobby, name: Lobby}
  - {id: ops, name: Ops}
  - {id: dev, name: Dev}
"""


def post(server: LiveServer, target: dict, text: str, sender: str = "writer", kind: str = "human") -> dict:
    """Send through the real HTTP API, like any client would."""
    with server.client() as http:
        response = http.post("/v1/messages", json={"target": target, "from": {"type": kind, "id": sender},
                                                    "parts": [{"kind": "text", "text": text}]})
    assert response.status_code == 202, response.text
    return response.json()


def join(server: LiveServer, room_id: str, *agent_ids: str) -> None:
    """Make agents room members so `@id` mentions resolve (mentions resolve against members only)."""
    with server.client() as http:
        response = http.patch(f"/v1/rooms/{room_id}/members", json={"add": list(agent_ids)})
    assert response.status_code == 200, response.text


def room(room_id: str = "lobby") -> dict:
    return {"kind": "room", "room_id": room_id}


def history(server: LiveServer, room_id: str) -> list[dict]:
    with server.client() as http:
        response = http.get(f"/v1/rooms/{room_id}/messages", params={"limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def bridge(server_or_url, agent_id: str, runtime: dict, *, rooms: list | None = None, dms: dict | None = None,
           path: Path | None = None, moltnet: dict | None = None, name: str = ""):
    """A validated bridge config for one attachment (as `moltnet bridge run` would load it)."""
    base = server_or_url if isinstance(server_or_url, str) else server_or_url.base_url
    doc = {"version": "moltnet.bridge.v1", "agent": {"id": agent_id, "name": name},
           "moltnet": {"base_url": base, "network_id": "studio", **(moltnet or {})}, "runtime": runtime,
           "rooms": rooms if rooms is not None else [{"id": "lobby", "wake": "all"}], "dms": dms}
    if path is None:  # state files go beside the config file
        _scratch.append(tempfile.mkdtemp(prefix="moltnet-node-test-"))
        path = Path(_scratch[-1]) / "bridge.json"
    cfg = bridge_from_document({k: v for k, v in doc.items() if v is not None}, path)
    validate_bridge(cfg)
    return cfg


@contextlib.asynccontextmanager
async def attached(*configs, environ: dict | None = None, ready: bool = True) -> AsyncIterator[list[Runner]]:
    """Run attachments in this event loop (real /v1/attach connections); cancelled (= SIGTERM path) on exit."""
    runners = [Runner(cfg, environ) for cfg in configs]
    tasks = [asyncio.create_task(r.run()) for r in runners]
    try:
        if ready:
            await eventually(lambda: all(connected(r) for r in runners), timeout=15,
                             what=lambda: [t for t in tasks if t.done()])
        yield runners
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def connected(runner: Runner) -> bool:
    """The server lists the agent as connected (its IDENTIFY succeeded)."""
    cfg = runner.cfg
    try:
        response = httpx.get(f"{cfg.moltnet.base_url}/v1/agents/{cfg.agent_id}", timeout=2)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json().get("connected") is True


async def eventually(check: Callable[[], object], timeout: float = 10, what: Callable[[], object] | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout}s" + (f": {what()}" if what else ""))


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
