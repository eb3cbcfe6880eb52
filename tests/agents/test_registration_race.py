"""Two concurrent first claims of one agent id against real server processes: exactly one wins.

SQLite: one server process, the claims race on its worker threads. Postgres: two server
processes sharing one database, each claim sent to a different process.
"""

from __future__ import annotations

import threading

import httpx
import pytest

pytestmark = pytest.mark.live

OPEN_CONFIG = """version: moltnet.v1
network:
  id: local
auth:
  mode: open
  rate_limits:
    enabled: false
"""
IDS = [f"racer-{i}" for i in range(8)]


def claim_concurrently(base_urls: list[str], agent_id: str) -> list[httpx.Response]:
    """Fire one anonymous registration per base URL at the same instant."""
    barrier = threading.Barrier(len(base_urls))
    results: list[httpx.Response | None] = [None] * len(base_urls)
    clients = [httpx.Client(base_url=url, timeout=15) for url in base_urls]

    def claim(index: int) -> None:
        barrier.wait()
        results[index] = clients[index].post("/v1/agents/register", json={"requested_agent_id": agent_id})

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(base_urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return results  # type: ignore[return-value]


def assert_one_winner(responses: list[httpx.Response], agent_id: str) -> str:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409], [(r.status_code, r.text) for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"] == f'agent "{agent_id}" is already registered'
    return next(r for r in responses if r.status_code == 201).json()["agent_token"]


def check_winner_owns_the_id(base_url: str, agent_id: str, token: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.post("/v1/agents/register", json={"requested_agent_id": agent_id}).status_code == 200


def test_race_on_sqlite(live_server_factory):
    server = live_server_factory(OPEN_CONFIG)
    for agent_id in IDS:
        token = assert_one_winner(claim_concurrently([server.base_url] * 2, agent_id), agent_id)
        check_winner_owns_the_id(server.base_url, agent_id, token)


@pytest.mark.postgres
def test_race_across_two_processes_on_postgres(live_server_factory, pg_cluster):
    env = {"MOLTNET_POSTGRES_DSN": pg_cluster.create_database("registration_race")}
    first = live_server_factory(OPEN_CONFIG, name="first", env=env)
    second = live_server_factory(OPEN_CONFIG, name="second", env=env)
    for agent_id in IDS:
        token = assert_one_winner(claim_concurrently([first.base_url, second.base_url], agent_id), agent_id)
        check_winner_owns_the_id(second.base_url, agent_id, token)
