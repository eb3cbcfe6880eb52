"""Go compatibility: everything that exists only so Moltnet for Python behaves like the Go server.

Owns Go's `%q` quoting (`quoting`), Go's `encoding/json` decoding rules (`jsondecode`),
`net/url.Parse` verdicts and error texts (`urls`), the `flag` package's parsing (`flags`),
`strconv` numbers (`numbers`), `time.ParseDuration` (`durations`), RFC3339Nano (`times`), the
texts of OS errors (`errors`) and the Go server's migration bookkeeping (`schema`). Domain code
imports the neutral names (`quote`, `parse_url`, ...) and never re-implements a Go rule of its own.

This is a base package: it imports the standard library, pydantic and `moltnet.fields` only — never a
domain app, a transport or a program.
"""

from moltnet.gocompat.durations import parse_duration
from moltnet.gocompat.quoting import quote
from moltnet.gocompat.urls import ParsedUrl, UrlError, parse_url

__all__ = ["ParsedUrl", "UrlError", "parse_duration", "parse_url", "quote"]
