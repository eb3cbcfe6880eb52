"""What the gateway needs from Daphne (attach/transport.py): sockets are never timed out by the server."""

from __future__ import annotations

import time

from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory

from attach.transport import SERVER_OPTIONS


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
    # Daphne's default would end it with close 1000, which makes a Go node stop for good (05 §14.3).
    assert closes_sent_to_a_day_old_socket({}) == [1000]
    assert closes_sent_to_a_day_old_socket(SERVER_OPTIONS) == []
