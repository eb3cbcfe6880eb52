"""The hot path (moltnet.hotpath) against a real `moltnet start`: concurrent sends share commits,
each request still gets its own answer, and a 202 means committed — even through kill -9."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.attach import NONE_CONFIG, start_live

pytestmark = pytest.mark.live

SENDERS = 8


def message(msg_id: str, room: str = "atrium", sender: str = "orion") -> dict:
    return {"id": msg_id, "target": {"kind": "room", "room_id": room}, "from": {"type": "agent", "id": sender},
            "parts": [{"kind": "text", "text": f"text of {msg_id}"}]}


def stored_ids(server) -> list[str]:
    ids, before = [], ""
    while True:
        page = httpx.get(server.base_url + "/v1/rooms/atrium/messages",
                         params={"limit": 500, **({"before": before} if before else {})}, timeout=10).json()
        ids = [m["id"] for m in page["messages"]] + ids
        if not page["page"].get("has_more"):
            return ids
        before = page["page"]["next_before"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_live(tmp_path_factory, NONE_CONFIG, "hotpath")
    yield live
    live.stop()


def test_concurrent_sends_are_all_stored_once_in_the_order_they_were_accepted(server):
    def sender(index: int) -> list[tuple[str, dict]]:
        answers = []
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            for n in range(25):
                response = client.post("/v1/messages", json=message(f"msg_conc_{index}_{n:02d}"))
                answers.append((response.status_code, response.json()))
        return answers

    with ThreadPoolExecutor(SENDERS) as pool:
        results = [a for answers in pool.map(sender, range(SENDERS)) for a in answers]
    assert {status for status, _ in results} == {202}
    assert all(body["accepted"] is True and body["event_id"] for _, body in results)
    stored = [i for i in stored_ids(server) if i.startswith("msg_conc_")]
    assert sorted(stored) == sorted(body["message_id"] for _, body in results)
    for index in range(SENDERS):  # one client's messages keep the order it sent them in
        own = [i for i in stored if i.startswith(f"msg_conc_{index}_")]
        assert own == sorted(own)


def test_a_refused_send_among_concurrent_ones_fails_alone_with_its_own_error(server):
    requests = [("good", message("msg_mixed_a")), ("unknown room", message("msg_mixed_b", room="nowhere")),
                ("bad json", b'{"target": '), ("good", message("msg_mixed_c")),
                ("duplicate", message("msg_mixed_a")),
                ("noparts", {**message("msg_mixed_d"), "parts": []})]
    barrier = threading.Barrier(len(requests))

    def post(item: tuple[str, dict | bytes]) -> httpx.Response:
        kind, body = item
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            barrier.wait()
            if isinstance(body, bytes):
                return client.post("/v1/messages", content=body, headers={"Content-Type": "application/json"})
            return client.post("/v1/messages", json=body, headers={"X-Request-Id": f"req-{body['id']}-{kind[:3]}"})

    with ThreadPoolExecutor(len(requests)) as pool:
        good_a, unknown, bad_json, good_c, duplicate, no_parts = pool.map(post, requests)
    assert good_a.status_code == good_c.status_code == duplicate.status_code == 202
    assert duplicate.json()["message_id"] == "msg_mixed_a"
    assert unknown.status_code == 404
    assert unknown.json()["error"] == 'unknown room "nowhere"'
    assert unknown.headers["X-Request-Id"] == unknown.json()["request_id"] == "req-msg_mixed_b-unk"
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "bad_request"
    assert bad_json.headers["X-Request-Id"]
    assert no_parts.status_code in (400, 422) and no_parts.json()["error"]
    stored = stored_ids(server)
    assert stored.count("msg_mixed_a") == 1 and "msg_mixed_c" in stored
    assert "msg_mixed_b" not in stored and "msg_mixed_d" not in stored


def test_routes_next_to_the_hot_ones_keep_their_answers(server):
    with httpx.Client(base_url=server.base_url, timeout=10, follow_redirects=False) as client:
        not_allowed = client.put("/v1/messages", json={})
        assert not_allowed.status_code == 405 and "POST" in not_allowed.headers["Allow"]
        assert client.get("/v1/rooms/atrium//messages").status_code == 301
        head = client.head("/v1/rooms/atrium/messages")
        assert head.status_code == 200 and head.content == b""
        missing = client.get("/v1/rooms/nowhere/messages")
        assert missing.status_code == 404 and missing.json()["error"] == 'unknown room "nowhere"'
        assert client.get("/healthz").json() == {"status": "ok"}
        too_big = client.post("/v1/messages", content=b"x" * ((1 << 20) + 10),
                              headers={"Content-Type": "application/json"})
        assert too_big.status_code == 400 and too_big.json()["code"] == "bad_request"


def test_kill_9_under_concurrent_load_loses_no_acknowledged_message(tmp_path_factory):
    server = start_live(tmp_path_factory, NONE_CONFIG, "hotpath-kill")
    acknowledged: list[str] = []
    stop = threading.Event()

    def sender(index: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=3) as client:
            n = 0
            while not stop.is_set():
                msg_id = f"msg_kill_{index}_{n:05d}"
                try:
                    if client.post("/v1/messages", json=message(msg_id)).status_code == 202:
                        acknowledged.append(msg_id)
                except httpx.HTTPError:
                    return  # the server is gone: whatever was not acknowledged may be lost
                n += 1

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(SENDERS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        assert len(acknowledged) >= 200
        server.start()
        stored = stored_ids(server)
        missing = set(acknowledged) - set(stored)
        assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:3]}"
        assert len(stored) == len(set(stored))
    finally:
        stop.set()
        server.stop()
