"""What the gateway needs from each server (attach/transport.py, attach/serving.py).

`runserver` is Daphne: sockets are never timed out by the server. `moltnet start` is uvicorn: no
WebSocket pings, no compression, Go's HTTP reading rules; both are recognised from the ASGI `send`.
"""

from __future__ import annotations

import asyncio
import functools
import time

import pytest
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from attach import frames, transport
from attach.transport import SERVER_OPTIONS
from moltnet.serving import AttachWebSocketProtocol, build_server
from tests.support.live import DevServer


def closes_sent_to_a_day_old_socket(options: dict) -> list[int | None]:
    """Run Daphne's own periodic timeout check on an open socket that has been up for two days."""
    server = Server(application=None, endpoints=["tcp:port=0"], **options)
    protocol = WebSocketFactory(server, server="moltnet").buildProtocol(None)
    protocol.server = server
    protocol.state = protocol.STATE_OPEN
    protocol.socket_opened = time.time() - 2 * 86400
    protocol.last_ping = time.time()
    sent: list[int | None] = []
    protocol.sendClose = lambda code=None, reason=None: sent.append(code)  # autobahn's wire write
    protocol.check_timeouts()
    return sent


def test_a_long_lived_attachment_is_never_closed_by_the_server():
    # Daphne's default would end it with close 1000, which makes a Go node stop for good (docs/protocol/attach.md
    # §14.3).
    assert closes_sent_to_a_day_old_socket({}) == [1000]
    assert closes_sent_to_a_day_old_socket(SERVER_OPTIONS) == []


async def _noop_app(scope, receive, send) -> None:
    return None


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8787)}.get(name, default)

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high=None, low=None) -> None:
        self.high = high


def uvicorn_socket() -> tuple[AttachWebSocketProtocol, FakeTransport]:
    server = build_server(_noop_app, "127.0.0.1", 0)
    server.config.load()
    loop = asyncio.new_event_loop()
    proto = AttachWebSocketProtocol(server.config, server.server_state, {}, _loop=loop)
    fake = FakeTransport()
    proto.connection_made(fake)
    return proto, fake


def test_uvicorn_sends_no_pings_no_compression_and_limits_messages():
    config = build_server(_noop_app, "127.0.0.1", 0).config
    assert config.ws_ping_interval is None and config.ws_ping_timeout is None  # Go sends none
    assert config.ws_per_message_deflate is False  # Go offers none; zlib state costs ~100 KB a socket
    assert config.ws_max_size == frames.MAX_FRAME_BYTES  # larger messages: close 1009
    assert config.server_header is False and config.access_log is False
    proto, _ = uvicorn_socket()
    proto.start_keepalive()
    assert proto.ping_timer is None and proto.pong_timer is None


def test_each_server_is_recognised_from_its_send_callable():
    proto, fake = uvicorn_socket()
    found = transport.for_connection(proto.send)
    assert isinstance(found, transport.UvicornTransport) and found.transport is fake
    found.accepted(frames.MAX_FRAME_BYTES)
    assert fake.high == transport.MAX_BACKLOG and proto.conn.max_size == frames.MAX_FRAME_BYTES

    class DaphneProtocol:
        transport = object()

    daphne = transport.for_connection(functools.partial(lambda protocol, message: None, DaphneProtocol()))
    assert isinstance(daphne, transport.DaphneTransport)
    plain = transport.for_connection(lambda message: None)
    assert type(plain) is transport.Transport and not plain.write_frame(b"") and not plain.drop()


def test_a_dropped_uvicorn_socket_gets_no_close_frame():
    proto, fake = uvicorn_socket()
    proto.handshake_complete = True
    found = transport.for_connection(proto.send)
    assert found.write_frame(transport.text_frame(b"{}")) and fake.written == [b"\x81\x02{}"]
    assert found.drop() and fake.closed and fake.written == [b"\x81\x02{}"]  # TCP closed, no frame: 1006
    assert found.write_frame(b"late") and fake.written[-1] != b"late"  # nothing after the drop


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 1 << 20])
def test_ready_made_frames_are_what_a_client_reads(size):
    payload = b"x" * size
    reader = StreamReader()
    reader.feed_data(transport.text_frame(payload))
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as done:
        while True:
            next(parser)
    frame = done.value.value
    assert frame.opcode == Opcode.TEXT and frame.fin and frame.data == payload


RUNSERVER_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
auth:
  mode: bearer
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, observe, write, attach]}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
"""


@pytest.fixture(scope="module")
def runserver(tmp_path_factory):
    """`python manage.py runserver` (Daphne), the development server, with the same gateway."""
    server = DevServer(tmp_path_factory.mktemp("runserver"), RUNSERVER_CONFIG).start()
    yield server.base_url
    server.stop()


@pytest.mark.live
def test_runserver_serves_attachments_through_daphne(runserver):
    import httpx
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    from tests.support.attachclient import VERSION, Attachment

    ws_url = runserver.replace("http://", "ws://")
    with pytest.raises(InvalidStatus) as refused:  # refused before the upgrade, with a real status
        connect(ws_url + "/v1/attach", open_timeout=5)
    assert refused.value.response.status_code == 401
    att = Attachment(ws_url, "ops-secret")
    assert att.identify("vega")["op"] == "READY"
    sent = httpx.post(runserver + "/v1/messages", headers={"Authorization": "Bearer ops-secret"}, json={
        "target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "vega"},
        "parts": [{"kind": "text", "text": "over daphne"}]}).json()
    assert att.event_of_type("message.created", timeout=10)["id"] == sent["event_id"]
    assert att.recv(timeout=4) == {"op": "PING", "version": VERSION, "capabilities": {}}
    att.send({"op": "FOO", "version": VERSION})
    frames_seen, closed = att.until_closed()
    assert frames_seen[-1]["op"] == "ERROR" and closed.rcvd is None  # TCP dropped, no close frame: 1006
    big = Attachment(ws_url, "ops-secret")
    big.identify("orion")
    big.send('{"op":"PONG","pad":"' + "x" * (1 << 20) + '"}')
    _, closed = big.until_closed()
    assert closed.rcvd is not None and closed.rcvd.code == 1009


@pytest.mark.parametrize("size", [0, 125, 126, 65536])
def test_a_ready_made_frame_gives_back_its_text(size):
    text = "é" * size
    assert transport.frame_text(transport.text_frame(text.encode())) == text
