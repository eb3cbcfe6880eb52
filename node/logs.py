"""Structured key=value log lines on stderr, like Go's log/slog text handler (docs/protocol/node.md §13), in the
server's format."""

from __future__ import annotations

import logging
import sys

from moltnet.logformat import MoltnetFormatter, level_from_env, make_formatter

log = logging.getLogger("moltnet.node")


# The node prints the server's format (moltnet.logformat): slog-style key=value text by default,
# JSON lines with MOLTNET_LOG_FORMAT=json.
SlogFormatter = MoltnetFormatter


def setup(level: int | None = None) -> None:
    """Install the stderr handler once (commands call this; tests rely on caplog instead).

    The level is INFO unless MOLTNET_LOG_LEVEL says otherwise (DEBUG shows CLI runtime output).
    """
    if any(isinstance(h.formatter, SlogFormatter) for h in log.handlers):
        return
    if level is None:
        level = level_from_env()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter())
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


def info(msg: str, **attrs: object) -> None:
    log.info(msg, extra={"attrs": attrs})


def warn(msg: str, **attrs: object) -> None:
    log.warning(msg, extra={"attrs": attrs})


def debug(msg: str, **attrs: object) -> None:
    log.debug(msg, extra={"attrs": attrs})
