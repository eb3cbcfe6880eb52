"""Front-door overhead: server CPU per kept-alive request, uvicorn's plain httptools protocol vs ours.

Feeds the same POST (head and a 120-byte body in one read, as a keep-alive client sends it) to
`uvicorn...HttpToolsProtocol` and to `attach.frontdoor.MoltnetHttpProtocol` in-process, on uvloop,
with a trivial ASGI app that reads the body and answers 202; no sockets, so what differs is the
protocol layer alone (bare-LF leniency, head/body deadlines, size limits). Rounds alternate.

    .venv/bin/python bench/frontdoor.py [--requests 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import uvloop
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from attach.frontdoor import MoltnetHttpProtocol  # noqa: E402
from moltnet.serving import build_server  # noqa: E402

REQUEST = (b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:8787\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n"
           b"Connection: keep-alive\r\nUser-Agent: python-httpx/0.28.1\r\nContent-Length: 120\r\n"
           b"Content-Type: application/json\r\n\r\n" + b"x" * 120)


class NullTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.protocol: asyncio.BaseProtocol | None = None

    def write(self, data) -> None:
        self.writes += 1

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8787)}.get(name, default)

    def get_protocol(self):
        return self.protocol

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def app(scope, receive, send) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def per_request(protocol_class: type, count: int) -> float:
    """Microseconds per request through `protocol_class` (parse, ASGI task, response write)."""
    server = build_server(app, "127.0.0.1", 0)
    server.config.load()
    protocol = protocol_class(server.config, server.server_state, {}, _loop=asyncio.get_running_loop())
    transport = NullTransport()
    transport.protocol = protocol
    protocol.connection_made(transport)
    started = time.perf_counter()
    for _ in range(count):
        protocol.data_received(REQUEST)
        await asyncio.sleep(0)  # the request's task runs and answers
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - started
    assert transport.writes == 2 * count, transport.writes
    protocol.connection_lost(None)
    return elapsed / count * 1e6


async def main(requests: int, rounds: int) -> None:
    results: dict[str, list[float]] = {"uvicorn httptools": [], "moltnet front door": []}
    for _ in range(rounds):
        results["uvicorn httptools"].append(await per_request(HttpToolsProtocol, requests))
        results["moltnet front door"].append(await per_request(MoltnetHttpProtocol, requests))
    for name, values in results.items():
        print(f"  {name:20} {statistics.median(values):6.2f} µs/request (median of {rounds})")
    base, ours = (statistics.median(v) for v in results.values())
    print(f"  front door ÷ plain: {ours / base:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    uvloop.run(main(options.requests, options.rounds))
