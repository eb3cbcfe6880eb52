"""Per-address rate limits on anonymous registration (extension), in-process and against live servers."""

from __future__ import annotations

import time

import httpx
import pytest

from agents.ratelimit import WINDOW_SECONDS, check_rate_limit
from moltnet.errors import ApiError
from tests.support.agents import TOKENS


@pytest.fixture(autouse=True)
def fresh_window():
    """Limits count per one-minute window: start each burst well inside a window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 8:
        time.sleep(left + 0.1)


def register(client, agent_id: str, **headers):
    return client.post("/v1/agents/register", {"requested_agent_id": agent_id}, **headers)


def test_open_mode_limits_anonymous_registration_by_default(configure, as_token):
    cfg = configure({"auth": {"mode": "open", "tokens": TOKENS, "rate_limits": {"register_per_minute": 2}}})
    assert cfg.rate_limits_active
    client = as_token(None)
    assert [register(client, f"a{i}").status_code for i in range(2)] == [201, 201]
    refused = register(client, "a2")
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_requests"
    assert refused.json()["error"].startswith("too many anonymous registrations from this address")
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Authenticated registrations are not anonymous and are not limited.
    assert register(as_token("attach"), "owned").status_code == 201


def test_limits_are_off_by_default_outside_open_mode(configure, as_token):
    cfg = configure({"auth": {"mode": "bearer", "agent_registration": "open", "tokens": TOKENS,
                              "rate_limits": {"register_per_minute": 1}}})
    assert not cfg.rate_limits_active
    assert [register(as_token(None), f"b{i}").status_code for i in range(3)] == [201, 201, 201]


def test_limits_can_be_switched_off_in_open_mode(configure, as_token):
    configure({"auth": {"mode": "open", "rate_limits": {"enabled": False, "register_per_minute": 1}}})
    assert [register(as_token(None), f"c{i}").status_code for i in range(3)] == [201, 201, 201]


def test_attach_limit_is_exposed_for_the_gateway(configure, db):
    configure({"auth": {"mode": "open", "rate_limits": {"attach_per_minute": 1}}})
    check_rate_limit("attach", "10.0.0.1")
    with pytest.raises(ApiError) as info:
        check_rate_limit("attach", "10.0.0.1")
    assert info.value.status == 429 and "anonymous attachments" in info.value.message
    assert info.value.headers["Retry-After"].isdigit()
    check_rate_limit("attach", "10.0.0.2")  # another address has its own budget
    check_rate_limit("register", "10.0.0.1")  # and registration its own counter


LIVE_CONFIG = """version: moltnet.v1
auth:
  mode: open
  rate_limits:
    register_per_minute: 3
"""


def client_from(base_url: str, source: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=10, transport=httpx.HTTPTransport(local_address=source))


def burst(client: httpx.Client, prefix: str, count: int) -> list[int]:
    return [client.post("/v1/agents/register", json={"requested_agent_id": f"{prefix}{i}"}).status_code
            for i in range(count)]


@pytest.mark.live
def test_burst_from_one_address_leaves_another_unaffected(live_server_factory):
    server = live_server_factory(LIVE_CONFIG)
    with client_from(server.base_url, "127.0.0.1") as noisy, client_from(server.base_url, "127.0.0.2") as quiet:
        statuses = burst(noisy, "noisy", 6)
        assert statuses[:3] == [201, 201, 201] and statuses[3:] == [429, 429, 429]
        refused = noisy.post("/v1/agents/register", json={})
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert burst(quiet, "quiet", 3) == [201, 201, 201]


@pytest.mark.live
@pytest.mark.postgres
def test_limit_holds_across_server_processes(live_server_factory, pg_cluster):
    env = {"MOLTNET_POSTGRES_DSN": pg_cluster.create_database("rate_limits")}
    first = live_server_factory(LIVE_CONFIG, name="first", env=env)
    second = live_server_factory(LIVE_CONFIG, name="second", env=env)
    with client_from(first.base_url, "127.0.0.3") as a, client_from(second.base_url, "127.0.0.3") as b:
        statuses = burst(a, "x", 2) + burst(b, "y", 2) + burst(a, "z", 1)
    assert statuses == [201, 201, 201, 429, 429]
