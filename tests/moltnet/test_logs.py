"""One log format for the server and the node: key=value text by default, JSON lines on request."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from moltnet import logformat
from moltnet.middleware import ApiMiddleware

TEXT_LINE = re.compile(r'^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(INFO|WARN|ERROR|DEBUG) msg=')


@pytest.fixture
def captured(monkeypatch):
    """The `moltnet.http` logger writing through the formatter MOLTNET_LOG_FORMAT asks for."""
    stream = io.StringIO()

    def install(fmt: str = "") -> io.StringIO:
        monkeypatch.setenv("MOLTNET_LOG_FORMAT", fmt)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logformat.make_formatter())
        for name in ("moltnet.http", "moltnet.test"):
            logger = logging.getLogger(name)
            monkeypatch.setattr(logger, "handlers", [handler])
            monkeypatch.setattr(logger, "propagate", False)
            monkeypatch.setattr(logger, "level", logging.INFO)
            logger.manager._clear_cache()
        return stream

    yield install
    monkeypatch.undo()  # restore the loggers, then forget the levels cached while they were changed
    logging.getLogger().manager._clear_cache()


def serve(view, request_id: str = "req-abc") -> HttpResponse:
    request = RequestFactory().get("/v1/rooms/lab/messages", HTTP_X_REQUEST_ID=request_id)
    return ApiMiddleware(view)(request)


def test_the_access_line_says_each_thing_once_and_carries_the_request_id_and_client(captured):
    stream = captured()
    serve(lambda request: HttpResponse("{}", status=200))
    line = stream.getvalue().rstrip("\n")
    assert TEXT_LINE.match(line), line
    message = re.search(r'msg="([^"]*)"', line).group(1)
    assert re.fullmatch(r"GET /v1/rooms/lab/messages 200 \d+\.\dms", message)
    assert line.count("/v1/rooms/lab/messages") == 1 and line.count("GET") == 1
    assert line.endswith(" component=http request_id=req-abc client=127.0.0.1")


def test_json_lines_carry_every_field(captured):
    stream = captured("json")
    serve(lambda request: HttpResponse("{}", status=404))
    record = json.loads(stream.getvalue())
    assert record["level"] == "INFO" and record["component"] == "http"
    assert (record["method"], record["path"], record["status"], record["request_id"], record["client"]) == (
        "GET", "/v1/rooms/lab/messages", 404, "req-abc", "127.0.0.1")
    assert isinstance(record["duration_ms"], float) and record["msg"].startswith("GET /v1/rooms/lab/messages 404 ")


def test_a_line_logged_while_serving_a_request_carries_its_id(captured):
    stream = captured()

    def view(request):
        logging.getLogger("moltnet.test").warning("room lookup slow")
        return HttpResponse("{}")

    serve(view, "req-inner")
    inner = stream.getvalue().splitlines()[0]
    assert inner.startswith("time=") and ' level=WARN msg="room lookup slow" component=test request_id=req-inner' \
        in inner
    logging.getLogger("moltnet.test").warning("after the request")
    assert "request_id" not in stream.getvalue().splitlines()[-1]


def test_an_unhandled_error_logs_its_request_id_and_traceback(captured):
    stream = captured("json")

    request = RequestFactory().get("/v1/rooms/lab/messages")
    request.request_id = "req-boom"
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:  # as Django's handler calls it, inside the except block
        assert ApiMiddleware(lambda r: None).process_exception(request, exc).status_code == 500
    record = json.loads(stream.getvalue().splitlines()[0])
    assert record["level"] == "ERROR" and record["request_id"] == "req-boom"
    assert "RuntimeError: boom" in record["error"]


def test_the_node_prints_the_same_format(monkeypatch):
    from node import logs

    stream = io.StringIO()
    for fmt, check in (("", lambda line: TEXT_LINE.match(line) and
                        'msg="moltnet-node attachment starting" component=node agent_id=scout' in line),
                       ("json", lambda line: json.loads(line)["agent_id"] == "scout")):
        monkeypatch.setenv("MOLTNET_LOG_FORMAT", fmt)
        monkeypatch.setattr(logs.log, "handlers", [])
        monkeypatch.setattr(logs.log, "propagate", logs.log.propagate)  # setup() changes both; put them back
        monkeypatch.setattr(logs.log, "level", logs.log.level)
        monkeypatch.setattr(logs, "sys", type("S", (), {"stderr": stream}))
        logs.setup()
        logs.info("moltnet-node attachment starting", component="node", agent_id="scout")
        assert check(stream.getvalue().splitlines()[-1]), stream.getvalue()


@pytest.mark.parametrize(("value", "level"), [("", logging.INFO), ("debug", logging.DEBUG), ("WARN", logging.WARNING),
                                              ("error", logging.ERROR), ("nonsense", logging.INFO)])
def test_the_level_comes_from_moltnet_log_level(value, level):
    assert logformat.level_from_env({"MOLTNET_LOG_LEVEL": value}) == level


def test_django_settings_use_the_one_format():
    from django.conf import settings

    assert settings.LOGGING["formatters"]["moltnet"] == {"()": "moltnet.logformat.make_formatter"}


def test_djangos_own_request_lines_carry_the_request_id():
    request = RequestFactory().get("/console/")
    request.request_id = "req-django"
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                               ("/console/",), None)
    record.request = request  # as django.utils.log.log_response passes it
    line = logformat.TextFormatter().format(record)
    assert line.endswith('msg="Internal Server Error: /console/" component=django.request request_id=req-django')
