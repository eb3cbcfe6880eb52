"""Lines logged while a stream is served carry its request id, as an HTTP request's lines do
(in-process: the consumer under Channels' ApplicationCommunicator)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from channels.testing import ApplicationCommunicator

from attach.sse import EventStreamConsumer
from moltnet.logformat import TextFormatter

pytestmark = pytest.mark.django_db(transaction=True)


class FormattingHandler(logging.Handler):
    """Formats when the line is logged, in the context of whoever logs it."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(TextFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_a_line_logged_by_a_stream_carries_its_request_id(monkeypatch, configure):
    configure({"auth": {"mode": "none"}})
    logged = asyncio.Event()

    async def stream_that_logs(self, audience, cursor, live_from=None) -> None:
        logging.getLogger("moltnet.attach").warning("something about this stream")
        logged.set()

    monkeypatch.setattr(EventStreamConsumer, "_stream", stream_that_logs)
    handler = FormattingHandler()
    logging.getLogger("moltnet.attach").addHandler(handler)
    scope = {"type": "http", "method": "GET", "path": "/v1/events/stream", "query_string": b"",
             "headers": [(b"x-request-id", b"req-stream-probe")], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 8787), "scheme": "http", "http_version": "1.1", "root_path": ""}
    communicator = ApplicationCommunicator(EventStreamConsumer.as_asgi(), scope)
    try:
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await communicator.receive_output(10)
        assert start["status"] == 200
        assert (b"x-request-id", b"req-stream-probe") in start["headers"]
        await asyncio.wait_for(logged.wait(), 10)
        line = next(text for text in handler.lines if "something about this stream" in text)
        assert "request_id=req-stream-probe" in line
    finally:
        logging.getLogger("moltnet.attach").removeHandler(handler)
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(5)
