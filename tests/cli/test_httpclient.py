"""The CLI's HTTP client (docs/protocol/cli.md §1.5, §7.2) as commands see it: redirects and the skill fetch
deadline."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.cli import run, write_config

Handler = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture
def http_server() -> Iterator[Callable[[Handler], str]]:
    """Start real HTTP servers on 127.0.0.1 answering every request with `handler`; returns the base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(handler: Handler) -> str:
        class Handle(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                with contextlib.suppress(OSError):  # the client gave up; nothing left to answer
                    handler(self)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_redirects_are_followed_like_go(cli, tmp_path, http_server, open_server):
    # A proxy in front of the network answers 307 with the real location; Go's http.Client follows it.
    def redirect(request: BaseHTTPRequestHandler) -> None:
        request.send_response(307)
        request.send_header("Location", open_server.base_url + request.path)
        request.send_header("Content-Length", "0")
        request.end_headers()

    proxy = http_server(redirect)
    write_config(tmp_path, [{"auth": {"mode": "none"}, "base_url": proxy, "member_id": "scout",
                             "network_id": "studio", "rooms": [{"id": "lobby"}]}])
    result = cli(tmp_path, "read", "--target", "room:lobby")
    assert result.code == 0, result.err
    assert "messages" in json.loads(result.out)


def test_a_slow_skill_download_falls_back_within_two_seconds(tmp_path, http_server):
    # The server-generated skill is used only if it arrives within 2 s in total (docs/protocol/cli.md §7.2), even
    # when the server keeps sending a byte now and then.
    def trickle(request: BaseHTTPRequestHandler) -> None:
        body = b"---\nname: moltnet\n---\nTRICKLED SKILL\n"
        request.send_response(200)
        request.send_header("Content-Type", "text/markdown; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        for index in range(len(body)):
            request.wfile.write(body[index:index + 1])
            request.wfile.flush()
            time.sleep(0.2)

    base = http_server(trickle)
    started = time.monotonic()
    result = run("connect", "--base-url", base, "--network-id", "studio", "--member-id", "scout",
                 "--runtime", "claude-code", "--workspace", str(tmp_path))
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    skill = (tmp_path / ".claude/skills/moltnet/SKILL.md").read_text()
    assert "TRICKLED SKILL" not in skill and "There is no automatic reply path" in skill
    assert elapsed < 5, elapsed
