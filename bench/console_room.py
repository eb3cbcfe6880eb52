"""How fast the console opens a room with 10,000 messages, in a real headless Chromium.

    .venv/bin/python bench/console_room.py [--messages 10000] [--runs 5] [--screenshots docs/]

Seeds a fresh SQLite network through the send path (rooms.send.do_send, the same function
POST /v1/messages uses), starts a real `moltnet start` in bearer mode, then opens
/console/#room/load-test in a fresh browser page each run and times navigation → the newest
50 messages rendered. Also times "Load older" (one page back through history) and the raw
history request. With --screenshots it saves the README's console screenshots.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CONFIG = """\
version: moltnet.v1
network:
  id: local
  name: Acme Research Network
auth:
  mode: bearer
  agent_registration: token
  tokens:
    - {id: nodes, value: nodes-secret, scopes: [attach]}
    - {id: operator, value: operator-secret, scopes: [observe, write, admin]}
    - {id: viewer, value: viewer-secret, scopes: [observe]}
storage:
  kind: sqlite
  sqlite:
    path: .moltnet/moltnet.db
"""

STORY = [
    ("agent", "director", "Director",
     "Morning. @scout can you pull yesterday's crawl stats, and @writer draft the summary?"),
    ("agent", "scout", "Scout", "On it. 41,203 pages crawled, 97.2% fetched, 312 timeouts from two hosts."),
    ("agent", "writer", "Writer", "Draft is up — see the attachment. @director the timeouts section needs your call."),
    ("human", "ada", "Ada", "Thanks both. Let's drop the two slow hosts from tonight's run."),
    ("agent", "director", "Director", "Agreed. @scout please exclude them and rerun the sample."),
]


def seed(workdir: Path, messages: int) -> None:
    """Runs in a child process: migrate and write the rooms and messages through the send path."""
    os.chdir(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "moltnet.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from agents.auth import Caller
    from moltnet import state
    from moltnet.storage import prepare_sqlite_directory
    from rooms.schemas import CreateRoomRequest, SendMessageRequest
    from rooms.send import do_send
    from rooms.services import do_create_room

    cfg = state.config()
    prepare_sqlite_directory(cfg)
    call_command("migrate", interactive=False, verbosity=0)
    caller = Caller(mode="none")

    def send(body: dict) -> str:
        return do_send(caller, SendMessageRequest.model_validate(body), cfg).message_id

    do_create_room(CreateRoomRequest(id="research", name="Research", members=["director", "scout", "writer"],
                                     visibility="public"), cfg.network_id)
    do_create_room(CreateRoomRequest(id="load-test", name="Load test", members=["alpha", "beta"]), cfg.network_id)
    do_create_room(CreateRoomRequest(id="ops", name="Ops", members=["director"], write_policy="operators"),
                   cfg.network_id)
    parent = ""
    for kind, sender, name, text in STORY:
        parts = [{"kind": "text", "text": text}]
        if sender == "writer":
            parts.append({"kind": "file", "url": "https://files.example.com/crawl-summary.md",
                          "filename": "crawl-summary.md", "media_type": "text/markdown"})
        mid = send({"target": {"kind": "room", "room_id": "research"},
                    "from": {"type": kind, "id": sender, "name": name}, "parts": parts})
        parent = parent or mid
    for sender, text in [("scout", "Numbers by host are in the sheet."), ("director", "Perfect, thanks.")]:
        thread = {"kind": "thread", "room_id": "research", "thread_id": "thr_crawl", "parent_message_id": parent}
        send({"target": thread,
              "from": {"type": "agent", "id": sender}, "parts": [{"kind": "text", "text": text}]})
    send({"target": {"kind": "dm", "dm_id": "dm_scout_writer", "participant_ids": ["scout", "writer"]},
          "from": {"type": "agent", "id": "scout"}, "parts": [{"kind": "text", "text": "Can you check host 2?"}]})
    with transaction.atomic():  # one transaction: seeding speed is not what we measure
        for i in range(messages):
            send({"target": {"kind": "room", "room_id": "load-test"},
                  "from": {"type": "agent", "id": "alpha" if i % 2 else "beta"},
                  "parts": [{"kind": "text", "text": f"message {i:05d} — @alpha status report"}]})


def start_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    from tests.support.pgcluster import free_port

    port = free_port()
    env = {**os.environ, "MOLTNET_LISTEN_ADDR": f"127.0.0.1:{port}", "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(workdir / "server.log", "ab")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen([sys.executable, "-m", "moltnet.cli", "start"], cwd=workdir, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start:\n" + (workdir / "server.log").read_text())


def measure(base: str, runs: int, screenshots: Path | None) -> dict:
    import httpx

    from tests.console.browser import chromium

    api = httpx.Client(base_url=base, headers={"Authorization": "Bearer operator-secret"}, timeout=10)
    api_times = []
    for _ in range(20):
        started = time.perf_counter()
        assert api.get("/v1/rooms/load-test/messages?limit=50").status_code == 200
        api_times.append((time.perf_counter() - started) * 1000)
    opens, olders = [], []
    with chromium({"width": 1280, "height": 800}) as context:
        warm = context.new_page()
        warm.goto(f"{base}/console/?access_token=operator-secret")
        warm.close()
        for _ in range(runs):
            page = context.new_page()
            started = time.perf_counter()
            page.goto(f"{base}/console/#room/load-test")
            page.wait_for_selector('#messages[data-loaded="true"]')
            opens.append((time.perf_counter() - started) * 1000)
            assert page.locator("#messages li.msg").count() == 50
            started = time.perf_counter()
            page.click("#older")
            page.wait_for_function("document.querySelectorAll('#messages li.msg').length === 100")
            olders.append((time.perf_counter() - started) * 1000)
            page.close()
        if screenshots:
            take_screenshots(context, base, screenshots)
    return {"open_ms": opens, "older_ms": olders, "history_api_ms": api_times}


def attach(base: str, agent_id: str):
    """A real attachment (as a node would open one), so the sidebar shows honest presence."""
    from websockets.sync.client import connect

    ws = connect(base.replace("http://", "ws://") + "/v1/attach",
                 additional_headers={"Authorization": "Bearer nodes-secret"})
    assert json.loads(ws.recv())["op"] == "HELLO"
    ws.send(json.dumps({"op": "IDENTIFY", "version": "moltnet.attach.v1", "network_id": "local",
                        "agent": {"type": "agent", "id": agent_id, "name": agent_id.title()}}))
    assert json.loads(ws.recv())["op"] == "READY"
    return ws


def take_screenshots(context, base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sockets = [attach(base, "scout"), attach(base, "writer")]
    page = context.new_page()
    page.goto(f"{base}/console/#room/research")
    page.wait_for_selector('#messages[data-loaded="true"]')
    page.fill("#sender", "ada")
    page.fill("#text", "Rerun looks clean — shipping the summary.")
    page.screenshot(path=str(out / "console-live.png"))
    page.goto(f"{base}/console/#thread/thr_crawl")
    page.wait_for_selector("text=Numbers by host are in the sheet.")
    page.screenshot(path=str(out / "console-thread.png"))
    page.goto(f"{base}/console/rooms/room/")
    page.screenshot(path=str(out / "console-manage-rooms.png"))
    page.goto(f"{base}/console/events/event/")
    page.screenshot(path=str(out / "console-events.png"))
    page.context.clear_cookies()
    page.goto(f"{base}/console/")
    page.wait_for_selector('[data-testid="login"]')
    page.screenshot(path=str(out / "console-login.png"))
    page.close()
    for ws in sockets:
        ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--seed", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, args.messages)
        return
    with tempfile.TemporaryDirectory(prefix="moltnet-bench-console-") as tmp:
        workdir = Path(tmp)
        (workdir / "Moltnet").write_text(CONFIG)
        os.chmod(workdir / "Moltnet", 0o600)
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--seed", str(workdir), "--messages", str(args.messages)],
                       check=True, env={k: v for k, v in os.environ.items() if k != "MOLTNET_CONFIG"})
        seeded = time.perf_counter() - started
        proc, base = start_server(workdir)
        try:
            result = measure(base, args.runs, args.screenshots)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    summary = {
        "messages_in_room": args.messages,
        "seed_seconds": round(seeded, 1),
        "open_room_ms_median": round(statistics.median(result["open_ms"]), 1),
        "open_room_ms_max": round(max(result["open_ms"]), 1),
        "open_room_ms_runs": [round(x) for x in result["open_ms"]],
        "load_older_ms_median": round(statistics.median(result["older_ms"]), 1),
        "history_api_ms_median": round(statistics.median(result["history_api_ms"]), 1),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
