"""One log format for the server and the node.

By default every line is a `key=value` line a person can read and `grep` — the slog text format
the Go server and node print (docs/protocol/node.md §13):

    time=2026-12-04T19:57:40.127Z level=INFO msg="GET /v1/network 200 0.4ms" component=http request_id=req_… client=::1

`MOLTNET_LOG_FORMAT=json` prints the same records as JSON lines (`time`, `level`, `msg`,
`component`, then every field), for a log collector. `MOLTNET_LOG_LEVEL` (DEBUG, INFO, WARNING,
ERROR; default INFO) sets the threshold.

A record carries fields three ways: `extra={"attrs": {...}}` (the node's `logs.info(msg, k=v)`),
a mapping as the only argument (`log.info("%(method)s %(path)s", fields)`, the access line: one
call, formatted only when the level is enabled), and the request id of the request being served
(`request_id`, a context variable set by the API middleware, or the `request` Django attaches to
its own `django.request` lines).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from contextvars import ContextVar

FORMAT_ENV = "MOLTNET_LOG_FORMAT"
LEVEL_ENV = "MOLTNET_LOG_LEVEL"

# The request being served on this thread/task, for lines logged while serving it.
request_id: ContextVar[str] = ContextVar("moltnet_request_id", default="")

_LEVELS = {"WARNING": "WARN", "CRITICAL": "ERROR"}


def level_from_env(environ: Mapping[str, str] | None = None) -> int:
    value = ((environ if environ is not None else os.environ).get(LEVEL_ENV) or "INFO").strip().upper()
    if value.isdigit():
        return int(value)
    level = logging.getLevelName("WARNING" if value == "WARN" else value)
    return level if isinstance(level, int) else logging.INFO


def level_name(environ: Mapping[str, str] | None = None) -> str:
    return logging.getLevelName(level_from_env(environ))


def json_wanted(environ: Mapping[str, str] | None = None) -> bool:
    return ((environ if environ is not None else os.environ).get(FORMAT_ENV) or "").strip().lower() == "json"


def make_formatter() -> logging.Formatter:
    """The formatter MOLTNET_LOG_FORMAT asks for (settings.LOGGING and the node use this)."""
    skip_unused_record_fields()
    return JsonFormatter() if json_wanted() else TextFormatter()


def skip_unused_record_fields() -> None:
    """Our formats print no source line, thread or process, so records need not look them up: a
    stack walk and three lookups per line, the access line included (the logging HOWTO's
    "Optimization" section names these switches)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def component(name: str) -> str:
    return name[8:] if name.startswith("moltnet.") else name


class _Clock:
    """`2026-12-04T19:57:40.127Z`, the strftime part computed once per second."""

    second = -1
    prefix = ""

    def stamp(self, created: float) -> str:
        whole = int(created)
        if whole != self.second:
            self.second, self.prefix = whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        return f"{self.prefix}.{int((created - whole) * 1000):03d}Z"


def _of_request(record: logging.LogRecord) -> str:
    """Django's own request lines (`django.request`) carry the request: its id, once the middleware gave it one."""
    return getattr(getattr(record, "request", None), "request_id", "") or ""


def _mapping(args: object) -> bool:
    return type(args) is dict or isinstance(args, Mapping)


class MoltnetFormatter(logging.Formatter):
    """The fields of a record, in order: its attrs, its mapping argument, the current request id."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = _Clock()

    @staticmethod
    def fields(record: logging.LogRecord) -> dict[str, object]:
        fields: dict[str, object] = dict(getattr(record, "attrs", None) or {})
        if _mapping(record.args):
            fields.update(record.args)
        if "request_id" not in fields and (current := request_id.get() or _of_request(record)):
            fields["request_id"] = current
        return fields

    @staticmethod
    def level(record: logging.LogRecord) -> str:
        return _LEVELS.get(record.levelname, record.levelname)

    def problem(self, record: logging.LogRecord) -> str:
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        return record.exc_text or ""


class TextFormatter(MoltnetFormatter):
    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if _mapping(args) and not getattr(record, "attrs", None):
            line = self.mapping_line(record.created, self.level(record), record.name, record.getMessage(), args)
        else:
            message = quote(record.getMessage())
            head = f"time={self.clock.stamp(record.created)} level={self.level(record)} msg={message}"
            fields = self.fields(record)
            line = head if "component" in fields else f"{head} component={component(record.name)}"
            for key, value in fields.items():
                line += f" {key}={quote(value)}"
        if problem := self.problem(record):
            line += "\n" + problem  # a traceback stays readable below its line
        return line

    def mapping_line(self, created: float, level: str, name: str, message: str, args: Mapping) -> str:
        """The access line's shape: its fields are in the message; the request id and client follow."""
        line = f"time={self.clock.stamp(created)} level={level} msg={quote(message)} component={component(name)}"
        if rid := args.get("request_id") or request_id.get():
            line += f" request_id={quote(rid)}"
        if args.get("client"):
            line += f" client={quote(args['client'])}"
        return line


class JsonFormatter(MoltnetFormatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {"time": self.clock.stamp(record.created), "level": self.level(record),
                                   "msg": record.getMessage(), "component": component(record.name)}
        body.update(self.fields(record))
        if problem := self.problem(record):
            body["error"] = problem
        return _dumps(body)

    def mapping_line(self, created: float, level: str, name: str, message: str, args: Mapping) -> str:
        """What format() makes of a record whose only argument is `args` (the access line)."""
        body: dict[str, object] = {"time": self.clock.stamp(created), "level": level, "msg": message,
                                   "component": component(name), **args}
        if "request_id" not in body and (current := request_id.get()):
            body["request_id"] = current
        return _dumps(body)


_dumps = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode


def quote(value: object) -> str:
    """slog's text quoting: bare when it is one plain word, else a double-quoted Go-style string."""
    text = value if isinstance(value, str) else str(value)
    if text and text.isprintable() and not any(c in text for c in ' ="\\'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def setup_root(environ: Mapping[str, str] | None = None) -> None:
    """Before Django's settings configure logging (e.g. `moltnet start`'s first lines): the same format."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, MoltnetFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(make_formatter())
        root.addHandler(handler)
    root.setLevel(level_from_env(environ))
