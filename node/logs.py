"""Structured key=value log lines on stderr, like Go's log/slog text handler (spec 09 §13)."""

from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger("moltnet.node")


def _quote(value: object) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' ="\n\t'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


class SlogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        level = {"WARNING": "WARN", "CRITICAL": "ERROR"}.get(record.levelname, record.levelname)
        attrs = getattr(record, "attrs", {})
        tail = "".join(f" {k}={_quote(v)}" for k, v in attrs.items())
        return f"time={stamp} level={level} msg={_quote(record.getMessage())}{tail}"


def setup(level: int | None = None) -> None:
    """Install the stderr handler once (commands call this; tests rely on caplog instead).

    The level is INFO unless MOLTNET_LOG_LEVEL says otherwise (DEBUG shows CLI runtime output).
    """
    if any(isinstance(h.formatter, SlogFormatter) for h in log.handlers):
        return
    if level is None:
        level = getattr(logging, (os.environ.get("MOLTNET_LOG_LEVEL") or "INFO").strip().upper(), logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SlogFormatter())
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


def info(msg: str, **attrs: object) -> None:
    log.info(msg, extra={"attrs": attrs})


def warn(msg: str, **attrs: object) -> None:
    log.warning(msg, extra={"attrs": attrs})


def debug(msg: str, **attrs: object) -> None:
    log.debug(msg, extra={"attrs": attrs})
