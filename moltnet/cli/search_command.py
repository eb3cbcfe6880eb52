"""`moltnet search "query" [--target room:<id>|dm:<id>] [--limit N] [--order newest|relevance]`.

An agent-side command like `read`: it finds the workspace's attachment and token the same way,
checks a `--target` locally the same way, and prints GET /v1/search's page in the CLI's message
shape, each message with its `snippet` (matches in `[[…]]`).
"""

from __future__ import annotations

from moltnet.cli import wire
from moltnet.cli.agent import _flags, open_session, parse_target
from moltnet.cli.flags import CliError, guarded

USAGE = 'moltnet search "query" [--target room:<id>|dm:<id>] [--limit 20] [--order newest|relevance]'


def _parse(args: list[str]) -> tuple[dict, str]:
    """Flags before the query, and `--name value` flags after it (Go's flag parsing would stop at
    the query); after the query anything else, `-excluded` words too, is part of the query."""
    flags = _flags("search")
    flags.integer("limit", 20, "number of messages")
    flags.string("order", "newest", "newest or relevance")
    flags.string("before", "", "the page after this message id (a previous page's page.next_before)")
    values, rest = flags.parse(args)
    words: list[str] = []
    while rest:
        name = rest[0][2:].split("=", 1)[0] if rest[0].startswith("--") else ""
        if name not in flags.flags:
            words.append(rest.pop(0))
            continue
        taken = 1 if "=" in rest[0] else 2
        more, _ = flags.parse(rest[:taken])
        values[name] = more[name]
        rest = rest[taken:]
    query = " ".join(words).strip()
    if not query:
        raise CliError(f"search requires a query: {USAGE}")
    return values, query


def search(args: list[str]) -> int:
    values, query = _parse(args)
    params: dict = {"q": query}
    if values["target"]:
        target = parse_target(values["target"])
        params["room_id" if target.kind == "room" else "dm_id"] = target.id
    if values["limit"] > 0:
        params["limit"] = values["limit"]
    if values["order"] != "newest":
        params["order"] = values["order"]
    if values["before"]:
        params["before"] = values["before"]
    session = open_session(values)
    if values["target"]:
        session.check_target(parse_target(values["target"]))
    page = session.client.get("/v1/search", params) or {}
    shaped = wire.message_page(page)
    found = page.get("messages") if isinstance(page.get("messages"), list) else []
    for message, raw in zip(shaped["messages"] or [], found, strict=False):
        message["snippet"] = str(raw.get("snippet") or "") if isinstance(raw, dict) else ""
    wire.emit(shaped)
    return 0


COMMANDS = {"search": guarded(search)}
