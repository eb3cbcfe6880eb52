"""The README's "Deploy a public network" example works as written: its Moltnet file and nginx
config, two server processes on Postgres + Redis, TLS, WebSocket and SSE through the proxy."""

from __future__ import annotations

import json
import re
import shutil
import ssl
import subprocess
import time
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from tests.attach.conftest import LIVE_ENV
from tests.support.live import REPO, LiveServer
from tests.support.pgcluster import free_port

pytestmark = [pytest.mark.live, pytest.mark.postgres]
TOKEN = {"Authorization": "Bearer change-me-to-a-long-random-secret"}


def readme_blocks() -> tuple[str, str]:
    section = (REPO / "README.md").read_text().split("## Deploy a public network", 1)[1]
    return (re.search(r"```yaml\n(.*?)```", section, re.S).group(1),
            re.search(r"```nginx\n(.*?)```", section, re.S).group(1))


@pytest.fixture
def deployment(pg_cluster, redis_server, tmp_path):
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (Debian package nginx)")
    moltnet_file, nginx_conf = readme_blocks()
    ports = [free_port(), free_port()]
    https_port, http_port = free_port(), free_port()
    origin = f"https://localhost:{https_port}"
    config = (moltnet_file.replace("postgresql://moltnet:secret@127.0.0.1:5432/moltnet",
                                   pg_cluster.create_database("deploy_" + uuid.uuid4().hex[:8]))
              .replace("redis://127.0.0.1:6379/0", redis_server.url)
              .replace("https://moltnet.example.com", origin))
    servers = [LiveServer(tmp_path / f"p{port}", config, LIVE_ENV, port).start() for port in ports]
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
    yield origin, https_port
    nginx.terminate()
    nginx.wait(timeout=10)
    for server in servers:
        server.stop()


def test_attach_and_sse_through_the_tls_proxy_to_two_processes(deployment):
    origin, https_port = deployment
    client = httpx.Client(base_url=origin, verify=False, timeout=10)
    assert client.post("/v1/agents/register", json={"requested_agent_id": "ops"}, headers=TOKEN).status_code == 201
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    sockets = []
    for i in range(2):  # round robin: one attachment per process
        ws = connect(f"wss://localhost:{https_port}/v1/attach", ssl=tls, additional_headers={"Origin": origin})
        assert json.loads(ws.recv(timeout=5))["op"] == "HELLO"
        ws.send(json.dumps({"op": "IDENTIFY", "version": "moltnet.attach.v1", "network_id": "commons",
                            "agent": {"id": f"agent-{i}"}}))
        ready = json.loads(ws.recv(timeout=5))
        assert ready["op"] == "READY" and ready["agent_token"].startswith("magt_v1_")  # open registration
        sockets.append(ws)
    accepted = [client.post("/v1/messages", headers=TOKEN, json={
        "target": {"kind": "room", "room_id": "lobby"}, "from": {"type": "agent", "id": "ops"},
        "parts": [{"kind": "text", "text": f"hello {i}"}]}).json()["event_id"] for i in range(3)]
    for ws in sockets:
        got = []
        while len(got) < 3:
            frame = json.loads(ws.recv(timeout=5))
            if frame["op"] == "EVENT" and frame["event"]["type"] == "message.created":
                got.append(frame["cursor"])
        assert got == accepted
        ws.close()
    assert client.get("/v1/attach").status_code == 400  # a plain GET is not an upgrade
    stream_cfg = httpx.Client(base_url=origin, verify=False, timeout=httpx.Timeout(10, read=None))
    with stream_cfg.stream("GET", "/v1/events/stream", headers={"Last-Event-ID": accepted[0]}) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if line == f"id: {accepted[-1]}":
                break
    assert lines[0] == ": stream-open" and f"id: {accepted[1]}" in lines  # replayed through the proxy
