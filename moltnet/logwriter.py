"""The server's log handler: lines go to stderr as StreamHandler writes them, routine ones in batches.

Under load the access log is one INFO line per request, and writing each one as it comes meant a
write() per request on the event loop's thread, which gives up the GIL for the call and queues to
take it back (~8% of the send throughput, measured with the access log off). Here an INFO (or
DEBUG) line is formatted at once, on the caller's thread, and appended to a buffer; a thread of
this handler writes what the buffer holds LINGER_SECONDS after its first line, in one write.
A WARNING or worse is written at once, after the lines before it, so order is kept and a problem
is never left in a buffer. Closing the handler (logging.shutdown at exit) writes the rest; a
process killed with SIGKILL loses at most the last LINGER_SECONDS of routine lines.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from moltnet.logformat import JsonFormatter, TextFormatter

LINGER_SECONDS = 0.02


def log_access(logger: logging.Logger, message: str, fields: Mapping[str, object]) -> None:
    """`logger.info(message, fields)` — the access line, once per request — with the same line as
    the result. When the logging set-up is the server's own (this handler alone on the root, no
    filter or handler on the way), the line is formatted and buffered directly: a LogRecord and the
    logging module's dispatch cost more than the line itself."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _only_handler(logger)
    if handler is None:
        logger.info(message, fields)
        return
    formatter = handler.formatter
    assert isinstance(formatter, TextFormatter | JsonFormatter)
    handler.write_routine(formatter.mapping_line(time.time(), "INFO", logger.name, message % fields, fields))


def _only_handler(logger: logging.Logger) -> BatchingStreamHandler | None:
    node: logging.Logger | None = logger
    while node is not None and node.parent is not None:  # every logger up to the root
        if node.handlers or node.filters or not node.propagate:
            return None
        node = node.parent
    root = logging.getLogger()
    if root.filters or len(root.handlers) != 1:
        return None
    handler = root.handlers[0]
    if (type(handler) is not BatchingStreamHandler or handler.filters or handler.level > logging.INFO
            or type(handler.formatter) not in (TextFormatter, JsonFormatter)):
        return None
    return handler


class BatchingStreamHandler(logging.StreamHandler):
    """logging.StreamHandler whose lines below WARNING are written in batches (see the module note)."""

    def __init__(self, stream=None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._due = threading.Event()
        self._writer: threading.Thread | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # Called by Handler.handle with self.lock held.
        try:
            line = self.format(record) + self.terminator
            if record.levelno >= logging.WARNING:
                self._pending.append(line)
                self._write_pending()
                return
            self._pending.append(line)
            if len(self._pending) == 1:
                self._wake_writer()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def write_routine(self, line: str) -> None:
        """Buffer one formatted line below WARNING (see log_access)."""
        with self.lock:
            self._pending.append(line + self.terminator)
            if len(self._pending) == 1:
                self._wake_writer()

    def flush(self) -> None:
        with self.lock:
            self._write_pending()

    def close(self) -> None:
        self.flush()
        super().close()

    def _write_pending(self) -> None:
        if self._pending:
            text, self._pending = "".join(self._pending), []
            self.stream.write(text)
        if self.stream and hasattr(self.stream, "flush"):
            self.stream.flush()

    def _wake_writer(self) -> None:
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_in_batches, name="moltnet-log", daemon=True)
            self._writer.start()
        self._due.set()

    def _write_in_batches(self) -> None:
        while True:
            self._due.wait()
            time.sleep(LINGER_SECONDS)  # the lines of the next few milliseconds join this write
            with self.lock:
                self._due.clear()
                try:
                    self._write_pending()
                except Exception:  # noqa: BLE001 - stderr closed: nothing to report it on
                    self._pending = []
