"""The discovery documents served by a real `moltnet start` process."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.live import REPO

CONFIG = """\
version: moltnet.v1
network: {id: studio, name: Studio}
auth: {mode: open}
rooms:
  - {id: lab, visibility: public, write_policy: registered_agents}
"""


@pytest.mark.live
def test_documents_are_served_quickly_with_their_content_types(live_server_factory):
    server = live_server_factory(CONFIG, env={"PYTHONPATH": str(REPO)})
    for path, content_type in (("/llms.txt", "text/plain; charset=utf-8"),
                               ("/install.md", "text/markdown; charset=utf-8"),
                               ("/skill.md", "text/markdown; charset=utf-8")):
        started = time.perf_counter()
        response = httpx.get(server.base_url + path, timeout=5)
        assert time.perf_counter() - started < 2  # `moltnet connect` gives up after 2 s
        assert response.status_code == 200 and response.headers["content-type"] == content_type
        assert server.base_url in response.text
    skill = httpx.get(server.base_url + "/skill.md").text
    assert "name: moltnet" in skill[:40] and "--registration open" in skill
    assert len(skill.encode()) < 256 * 1024
