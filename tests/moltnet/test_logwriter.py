"""The server's log handler: routine lines in batches, problems at once, nothing lost at close."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from moltnet import logformat
from moltnet.logwriter import LINGER_SECONDS, BatchingStreamHandler, log_access

ACCESS = "%(method)s %(path)s %(status)d %(duration_ms).1fms"
FIELDS = {"method": "POST", "path": "/v1/messages", "route": "POST /v1/messages", "status": 202,
          "duration_ms": 1.5, "request_id": "req_1", "client": "127.0.0.1"}


@pytest.fixture
def sink(monkeypatch):
    """The root logger with only a BatchingStreamHandler on a StringIO, as `moltnet start` sets it up."""
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(logformat.TextFormatter())
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler])
    monkeypatch.setattr(root, "level", logging.INFO)
    yield handler, stream
    handler.close()


def test_routine_lines_arrive_together_and_a_warning_at_once_after_them(sink):
    handler, stream = sink
    log = logging.getLogger("moltnet.example")
    log.info("first")
    log.info("second")
    assert stream.getvalue() == ""  # buffered…
    deadline = time.monotonic() + 2
    while "second" not in stream.getvalue():  # …and written by the handler's thread shortly after
        assert time.monotonic() < deadline
        time.sleep(LINGER_SECONDS / 4)
    log.info("third")
    log.warning("trouble")
    lines = stream.getvalue().splitlines()
    assert [line.split("msg=")[1].split()[0] for line in lines] == ["first", "second", "third", "trouble"]


def test_closing_writes_what_is_buffered(sink):
    handler, stream = sink
    logging.getLogger("moltnet.example").info("last words")
    handler.close()
    assert 'msg="last words"' in stream.getvalue()


@pytest.mark.parametrize("formatter", [logformat.TextFormatter, logformat.JsonFormatter])
def test_the_direct_access_line_is_the_line_logging_would_write(sink, formatter):
    handler, stream = sink
    handler.setFormatter(formatter())
    log = logging.getLogger("moltnet.http")
    log.info(ACCESS, FIELDS)
    log_access(log, ACCESS, FIELDS)
    handler.flush()
    through_logging, direct = stream.getvalue().splitlines()
    if formatter is logformat.JsonFormatter:
        through_logging, direct = json.loads(through_logging), json.loads(direct)
        assert list(direct) == list(through_logging)  # the same keys in the same order
        assert {**direct, "time": ""} == {**through_logging, "time": ""}
        assert direct["msg"] == "POST /v1/messages 202 1.5ms" and direct["request_id"] == "req_1"
    else:
        assert direct.split(" ", 1)[1] == through_logging.split(" ", 1)[1]  # all but the time
        assert direct.split(" ", 1)[1] == ('level=INFO msg="POST /v1/messages 202 1.5ms" component=http '
                                           'request_id=req_1 client=127.0.0.1')


def test_another_handler_on_the_way_gets_the_access_line_as_a_record(sink, caplog):
    handler, stream = sink
    with caplog.at_level(logging.INFO, logger="moltnet.http"):
        log_access(logging.getLogger("moltnet.http"), ACCESS, FIELDS)
    assert [r.getMessage() for r in caplog.records] == ["POST /v1/messages 202 1.5ms"]
