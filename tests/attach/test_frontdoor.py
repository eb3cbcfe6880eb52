"""The front door of `moltnet start` (attach/frontdoor.py), probed with raw sockets.

Every connection gets an answer or a clean close within a bounded time, refusals carry the error
envelope, nothing answers 5xx, the gauges return to zero once every socket is gone, and a client's
mistake writes no traceback in the server's log.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from attach.frontdoor import (
    MAX_HEADER_BYTES,
    MAX_URL_BYTES,
    READ_HEADER_TIMEOUT,
    READ_TIMEOUT,
    WRITE_STALL_TIMEOUT,
)

pytestmark = pytest.mark.live

HEALTH_BODY = b'{"status":"ok"}\n'
UPGRADE = ("GET /v1/attach HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")


def exchange(port: int, data: bytes, limit: float = 10) -> tuple[bytes, float]:
    """Send `data`, read until the server closes; what came back and how long the close took.
    Fails if the server neither answers nor closes within `limit` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
        started = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)  # refused while still sending: the answer is still there to read
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            pytest.fail(f"connection still open after {limit}s; read so far: {out[:200]!r}")
        return out, time.monotonic() - started


def status_of(reply: bytes) -> int:
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", reply)
    assert match, reply[:200]
    return int(match.group(1))


def envelope(reply: bytes) -> dict:
    """The error envelope of a refusal, checked against its head (JSON, close, the same request id)."""
    head, _, body = reply.partition(b"\r\n\r\n")
    head += b"\r\n"
    assert b"\r\nContent-Type: application/json\r\n" in head and b"\r\nConnection: close\r\n" in head, head
    document = json.loads(body)
    assert f"\r\nX-Request-Id: {document['request_id']}\r\n".encode() in head, head
    return document


def gauges(server) -> dict[str, float]:
    text = httpx.get(server.base_url + "/metrics", timeout=10).text
    return {name: float(value) for name, value in re.findall(r"^(moltnet_active_\w+) (\S+)$", text, re.M)}


def assert_settled(server) -> None:
    """Gauges at zero once the probes' sockets are gone; no traceback and no 5xx in the log."""
    deadline = time.monotonic() + 10
    while any(gauges(server).values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gauges(server) and not any(gauges(server).values()), gauges(server)
    log = server.log()
    assert "Traceback" not in log and not re.search(r" 5\d\d \d", log), log[-3000:]


def test_bare_lf_requests_are_answered(none_server):
    reply, _ = exchange(none_server.port, b"GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n")
    assert status_of(reply) == 200 and reply.endswith(HEALTH_BODY)
    post = (b"POST /v1/messages HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 2\n"
            b"Connection: close\n\n{}")
    reply, _ = exchange(none_server.port, post)
    assert status_of(reply) == 422 and envelope_code(reply) == "unprocessable_entity"
    # Mixed line ends on a kept-alive connection: answered, and the connection stays usable.
    with socket.create_connection(("127.0.0.1", none_server.port), timeout=10) as sock:
        for request in (b"GET /healthz HTTP/1.1\nHost: x\r\n\n", b"GET /healthz HTTP/1.1\r\nHost: x\n\r\n"):
            sock.sendall(request)
            out = b""
            while not out.endswith(HEALTH_BODY):
                chunk = sock.recv(65536)
                assert chunk, out
                out += chunk
            assert status_of(out) == 200
    assert_settled(none_server)


def read_answers(sock: socket.socket, count: int) -> list[tuple[bytes, dict[bytes, bytes], bytes]]:
    """`count` whole HTTP/1.1 answers (Content-Length bodies) from `sock`: (status line, headers, body)."""
    buffer, answers = b"", []
    while len(answers) < count:
        head, sep, rest = buffer.partition(b"\r\n\r\n")
        if sep:
            status, *lines = head.split(b"\r\n")
            headers = dict(line.split(b": ", 1) for line in lines)
            size = int(headers[b"content-length"])
            if len(rest) >= size:
                answers.append((status, headers, rest[:size]))
                buffer = rest[size:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"closed after {len(answers)} answers: {buffer[:200]!r}"
        buffer += chunk
    return answers


def send_request(text: str, connection: str = "") -> bytes:
    body = json.dumps({"target": {"kind": "room", "room_id": "vault"}, "from": {"type": "agent", "id": "door"},
                       "parts": [{"kind": "text", "text": text}]}).encode()
    extra = f"Connection: {connection}\r\n" if connection else ""
    return (f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def test_send_answers_are_whole_and_in_order_on_kept_alive_pipelined_and_closing_connections(none_server):
    with socket.create_connection(("127.0.0.1", none_server.port), timeout=10) as sock:
        sock.sendall(send_request("one"))
        [(status, headers, body)] = read_answers(sock, 1)
        assert status == b"HTTP/1.1 202 Accepted"
        assert set(headers) == {b"date", b"content-type", b"x-request-id", b"content-length"}  # lower case
        assert json.loads(body)["accepted"] is True
        # Three requests in one write (pipelined): three answers, in the order asked.
        sock.sendall(b"".join(send_request(text) for text in ("two", "three", "four")))
        answers = read_answers(sock, 3)
        assert [a[0] for a in answers] == [b"HTTP/1.1 202 Accepted"] * 3
        ids = [json.loads(a[2])["message_id"] for a in answers]
        # Then a request that asks to close: answered, saying so, and the server closes.
        sock.sendall(send_request("five", connection="close"))
        [(status, headers, _)] = read_answers(sock, 1)
        assert status == b"HTTP/1.1 202 Accepted" and headers[b"connection"] == b"close"
        assert sock.recv(65536) == b""
    history = httpx.get(f"http://127.0.0.1:{none_server.port}/v1/rooms/vault/messages?limit=10").json()
    texts = {m["id"]: m["parts"][0]["text"] for m in history["messages"]}
    assert [texts[i] for i in ids] == ["two", "three", "four"]
    assert {"one", "five"} <= set(texts.values())
    assert_settled(none_server)


def envelope_code(reply: bytes) -> str:
    return json.loads(reply.partition(b"\r\n\r\n")[2])["code"]


def test_oversized_request_heads_get_an_envelope_and_a_close(none_server):
    port = none_server.port
    # Under Go's 1 MiB head limit: served, as Go does (the old limit closed these at ~16 KiB).
    for head in (b"GET /healthz?" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\nConnection: close\r\n\r\n"):
        reply, _ = exchange(port, head)
        assert status_of(reply) == 200 and reply.endswith(HEALTH_BODY)
    headers = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (MAX_HEADER_BYTES + 8192) + b"\r\n\r\n"
    many = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    many += b"".join(b"X-%d: %s\r\n" % (i, b"c" * 1000) for i in range(1100)) + b"\r\n"
    target = b"GET /healthz?" + b"a" * (MAX_URL_BYTES + 1) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    never_ending = b"GET /healthz?" + b"a" * (2 * MAX_HEADER_BYTES)  # no line end at all
    for request, status, code in ((headers, 431, "request_header_fields_too_large"),
                                  (many, 431, "request_header_fields_too_large"),
                                  (target, 414, "uri_too_long"),
                                  (never_ending, 414, "uri_too_long")):
        reply, took = exchange(port, request)
        assert status_of(reply) == status and took < 5, (reply[:200], took)
        assert envelope(reply)["code"] == code
    reply, _ = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert status_of(reply) == 400 and envelope(reply)["code"] == "bad_request"
    assert_settled(none_server)


def stalled_reader(port: int, path: str) -> tuple[int, int, float]:
    """Ask for a large response, read none of it for longer than the write stall timeout, then
    read what is left: (bytes received, bytes the full response has, seconds until the end)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        started = time.monotonic()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(WRITE_STALL_TIMEOUT + 3)
        sock.settimeout(10)
        out = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(1 << 20):
                out += chunk
        head, _, body = out.partition(b"\r\n\r\n")
        size = int(re.search(rb"(?i)\r\ncontent-length: (\d+)", head).group(1))
        return len(body), size, time.monotonic() - started


def trickle(port: int) -> tuple[bytes, float]:
    """A body that keeps coming, 1 KiB every 0.1 s, towards a Content-Length it never reaches."""
    with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT + 10) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 99999999\r\n\r\n")
        sock.setblocking(False)
        out = b""
        while time.monotonic() - started < READ_TIMEOUT + 10:
            with contextlib.suppress(BlockingIOError):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                out += chunk
            with contextlib.suppress(BlockingIOError, BrokenPipeError, ConnectionResetError):
                sock.send(b" " * 1024)
            time.sleep(0.1)
        return out, time.monotonic() - started


def test_a_request_or_response_that_stalls_is_bounded(none_server):
    port = none_server.port
    huge = (b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 99999999999\r\n\r\n{")
    short = (b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"X-Request-Id: probe-1\r\nContent-Length: 100\r\n\r\n{")
    head_only = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    with httpx.Client(base_url=none_server.base_url, timeout=30) as client:  # a ~7 MB history page
        for _ in range(120):
            assert client.post("/v1/messages", json={
                "target": {"kind": "room", "room_id": "vault"}, "from": {"type": "agent", "id": "luna"},
                "parts": [{"kind": "text", "text": "x" * 60000}]}).status_code == 202
    with ThreadPoolExecutor(8) as pool:
        stalled = pool.submit(stalled_reader, port, "/v1/rooms/vault/messages?limit=500")
        bodies = [(data, pool.submit(exchange, port, data, READ_TIMEOUT + 10)) for data in (huge, short) * 2]
        bodies.append((b"", pool.submit(trickle, port)))
        heads = [pool.submit(exchange, port, data, READ_TIMEOUT) for data in (head_only, b"")]
        # Meanwhile the server answers everyone else.
        assert httpx.get(none_server.base_url + "/healthz", timeout=5).status_code == 200
        for sent, future in bodies:
            reply, took = future.result()
            assert status_of(reply) == 400 and READ_TIMEOUT - 1 < took < READ_TIMEOUT + 5, (reply, took)
            document = envelope(reply)
            assert document["error"] == "request body not received within 15s" and document["code"] == "bad_request"
            # The client's X-Request-Id is kept, as the application would (docs/protocol/http-api.md §1.5).
            expected = "probe-1" if b"probe-1" in sent else None
            assert document["request_id"] == expected or (
                expected is None and re.fullmatch(r"req_[0-9a-f]{16}", document["request_id"]))
        for future in heads:  # as Go: a head that never comes is closed without a response
            reply, took = future.result()
            assert reply == b"" and READ_HEADER_TIMEOUT - 1 < took < READ_HEADER_TIMEOUT + 4, took
        # A reader that stops reading its response is cut off (Go: WriteTimeout).
        received, expected_size, took = stalled.result()
        assert received < expected_size and took < WRITE_STALL_TIMEOUT + 10, (received, expected_size, took)
    # A kept-alive connection may idle longer than the head timeout between requests.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as kept:
        for _ in range(2):
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            out = b""
            while not out.endswith(HEALTH_BODY):
                chunk = kept.recv(65536)
                assert chunk, out
                out += chunk
            time.sleep(READ_HEADER_TIMEOUT + 0.5)
    assert_settled(none_server)


@pytest.mark.parametrize("offer", [
    "permessage-deflate; client_max_window_bits=99",
    "permessage-deflate; =bad;;",
    "permessage-deflate, permessage-deflate; server_no_context_takeover=1",
    ";;,,\t",
    "x-webkit-deflate-frame; \"unterminated",
])
def test_a_malformed_extension_offer_is_not_counted_forever(none_server, offer):
    request = (UPGRADE + f"Sec-WebSocket-Extensions: {offer}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", none_server.port), timeout=10) as sock:
        sock.sendall(request)
        reply = sock.recv(65536)
        # Either refused (400, closed) or accepted without any extension: never 5xx.
        assert status_of(reply) in (101, 400), reply[:300]
        if status_of(reply) == 101:
            assert b"sec-websocket-extensions" not in reply.lower().partition(b"\r\n\r\n")[0]
    assert_settled(none_server)


def test_malformed_upgrades_are_refused_cleanly(none_server):
    for extra in ("Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Protocol: ,,, \r\n", "Sec-WebSocket-Key: x\r\n"):
        reply, took = exchange(none_server.port, (UPGRADE + extra + "\r\n").encode())
        assert status_of(reply) == 400 and took < 5, reply[:300]
    reply, _ = exchange(none_server.port, (UPGRADE.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "")
                                           + "\r\n").encode())
    assert status_of(reply) == 400
    assert_settled(none_server)


def test_gauges_return_to_zero_when_clients_vanish(none_server):
    port = none_server.port
    reset = struct.pack("ii", 1, 0)  # SO_LINGER 0: close() sends a RST
    socks = []
    for _ in range(3):
        stream = socket.create_connection(("127.0.0.1", port), timeout=10)
        stream.sendall(b"GET /v1/events/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert stream.recv(65536).startswith(b"HTTP/1.1 200 ")
        attach = socket.create_connection(("127.0.0.1", port), timeout=10)
        attach.sendall((UPGRADE + "\r\n").encode())
        assert attach.recv(65536).startswith(b"HTTP/1.1 101 ")
        socks += [stream, attach]
    counted = gauges(none_server)
    assert counted["moltnet_active_sse_subscribers"] >= 3 and counted["moltnet_active_attachments"] >= 3, counted
    for index, sock in enumerate(socks):
        if index % 2:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset)
        sock.close()
    for _ in range(5):  # upgrades dropped before the server could answer
        early = socket.create_connection(("127.0.0.1", port), timeout=10)
        early.sendall((UPGRADE + "\r\n").encode())
        early.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset)
        early.close()
    assert_settled(none_server)


def test_pipelined_and_foreign_upgrade_requests_are_all_answered(none_server):
    get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    h2c = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
           b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    reply, took = exchange(none_server.port, get + h2c + get + last)
    assert reply.count(b"HTTP/1.1 200 OK\r\n") == 4 and reply.count(HEALTH_BODY) == 4 and took < 5, reply
    # Garbage after a good request: the good one may go unanswered, the garbage gets 400 and a close.
    reply, took = exchange(none_server.port, get + b"\x00\x01 nonsense\r\n\r\n")
    assert status_of(reply[reply.rfind(b"HTTP/1.1 "):]) == 400 and took < 5, reply
    assert_settled(none_server)


def test_a_refused_upgrade_is_answered_on_the_raw_socket(none_server):
    """uvicorn's side of docs/protocol/attach.md §3.2 (the consumer's checks run in-process in
    test_handshake.py): the refusal is written to the socket as a plain-text 403, then closed."""
    reply, _ = exchange(none_server.port, (UPGRADE + "Origin: https://evil.example\r\n\r\n").encode())
    head, _, body = reply.partition(b"\r\n\r\n")
    assert status_of(reply) == 403 and body == b"Forbidden\n"
    lowered = head.lower()  # header names are case-insensitive
    assert b"\r\ncontent-type: text/plain; charset=utf-8" in lowered, head
    assert b"\r\nsec-websocket-version: 13" in lowered, head
