"""The README's "Deploy a public network" as written: its Moltnet file and nginx config, two
`moltnet start` processes on Postgres + Redis behind a real nginx terminating TLS."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.live import REPO, LiveServer
from tests.support.pgcluster import free_port

LIVE_ENV = {"PYTHONPATH": str(REPO)}
OPERATOR = {"Authorization": "Bearer change-me-to-a-long-random-secret"}


def readme_blocks() -> tuple[str, str]:
    """The Moltnet file and the nginx config of the README's deploy section."""
    section = (REPO / "README.md").read_text().split("## Deploy a public network", 1)[1]
    return (re.search(r"```yaml\n(.*?)```", section, re.S).group(1),
            re.search(r"```nginx\n(.*?)```", section, re.S).group(1))


@dataclass
class Deployment:
    origin: str  # https://localhost:<port>, nginx
    https_port: int
    servers: list[LiveServer]

    def client(self, source: str = "127.0.0.1", **kw) -> httpx.Client:
        """A client of nginx connecting from `source` (any 127.0.0.0/8 address; by IP, as `localhost`
        may resolve to ::1 first, where a 127.0.0.x source address cannot go)."""
        return httpx.Client(base_url=f"https://127.0.0.1:{self.https_port}", timeout=kw.pop("timeout", 10),
                            transport=httpx.HTTPTransport(local_address=source, verify=False), **kw)


@contextmanager
def deployment(pg_cluster, redis_server, tmp_path: Path,
               edit: Callable[[str], str] = lambda text: text) -> Iterator[Deployment]:
    """Start the README's deployment; `edit` may change the Moltnet file first (e.g. lower a limit)."""
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (Debian package nginx)")
    moltnet_file, nginx_conf = readme_blocks()
    ports = [free_port(), free_port()]
    https_port, http_port = free_port(), free_port()
    origin = f"https://localhost:{https_port}"
    config = edit(moltnet_file.replace("postgresql://moltnet:secret@127.0.0.1:5432/moltnet",
                                       pg_cluster.create_database("deploy_" + uuid.uuid4().hex[:8]))
                  .replace("redis://127.0.0.1:6379/0", redis_server.url)
                  .replace("https://moltnet.example.com", origin))
    servers: list[LiveServer] = []
    nginx = None
    try:
        for port in ports:
            servers.append(LiveServer(tmp_path / f"p{port}", config, LIVE_ENV, port).start())
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=localhost", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                       check=True, capture_output=True)
        conf = (nginx_conf.replace("127.0.0.1:8787", f"127.0.0.1:{ports[0]}")
                .replace("127.0.0.1:8788", f"127.0.0.1:{ports[1]}")
                .replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
                .replace("listen 80", f"listen 127.0.0.1:{http_port}")
                .replace("/etc/ssl/moltnet/fullchain.pem", str(tmp_path / "cert.pem"))
                .replace("/etc/ssl/moltnet/privkey.pem", str(tmp_path / "key.pem")))
        (tmp_path / "nginx.conf").write_text(
            f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\nevents {{}}\n"
            f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n{conf}\n}}\n")
        nginx = subprocess.Popen(["nginx", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)])
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                httpx.get(origin + "/healthz", verify=False, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield Deployment(origin, https_port, servers)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for server in servers:
            server.stop()
