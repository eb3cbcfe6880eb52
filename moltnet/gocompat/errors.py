"""Go's texts for operating-system errors, as the Go server and node print them."""

from __future__ import annotations


def os_cause(exc: OSError) -> str:
    """The cause part of Go's `*PathError`: the lower-cased strerror (`no such file or directory`)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def path_error(op: str, path: object, exc: OSError) -> str:
    """Go's `*PathError` text, e.g. `stat Moltnet: no such file or directory`."""
    return f"{op} {path}: {os_cause(exc)}"
