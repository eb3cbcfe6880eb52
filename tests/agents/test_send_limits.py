"""Send limits (issue 13 point 2): a token bucket per agent, or per address for anonymous and human
senders, on POST /v1/messages; operators and admin tokens are exempt. In-process (Django's client);
tests/moltnet/test_proxy_deploy.py drives two real processes behind nginx."""

from __future__ import annotations

import time

import pytest
from django.test import RequestFactory

from agents.ratelimit import (
    MAX_REMEMBERED,
    _refused_until,
    _remember_refusal,
    check_send_limit,
    early_refusal,
    take_token,
)
from events.models import Event
from moltnet.errors import ApiError
from rooms.models import Message
from tests.support.agents import TOKENS, message
from tests.support.api import ApiClient

OPEN = {"auth": {"mode": "open", "tokens": TOKENS, "rate_limits": {"send_per_minute": 60, "send_burst": 3}}}


@pytest.fixture(autouse=True)
def forget_refusals():
    _refused_until.clear()
    yield
    _refused_until.clear()


@pytest.fixture
def public_square(room_with):
    return room_with("square", [], visibility="public", write_policy="registered_agents")


def agent(as_token, name: str) -> ApiClient:
    """Register `name` anonymously (open registration) and return a client holding its agent token."""
    token = as_token(None).post("/v1/agents/register", {"requested_agent_id": name}).json()["agent_token"]
    return ApiClient(token)


def send(client: ApiClient, sender: str, **kw):
    return client.post("/v1/messages", message(sender, "square"), **kw)


def test_an_agent_over_its_burst_gets_429_and_nothing_is_stored(configure, as_token, public_square):
    configure(OPEN)
    luna = agent(as_token, "luna")
    assert [send(luna, "luna").status_code for _ in range(3)] == [202, 202, 202]
    stored, events = Message.objects.count(), Event.objects.count()
    refused = send(luna, "luna")
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "too_many_requests" and body["request_id"] == refused["X-Request-Id"]
    assert body["error"].startswith("too many messages from this sender; retry in ")
    assert refused["Retry-After"] == "1"  # 60 a minute: one token a second
    assert (Message.objects.count(), Event.objects.count()) == (stored, events)


def test_the_limit_is_checked_before_the_body_is_read(configure, as_token, public_square):
    """@api(limit=…) runs before the body is decoded: over the limit, even a broken body is a 429."""
    configure(OPEN)
    luna = agent(as_token, "luna")
    assert luna.post("/v1/messages", raw="{not json").status_code == 400  # within the limit: the body counts
    assert [send(luna, "luna").status_code for _ in range(3)] == [202, 202, 429]
    assert luna.post("/v1/messages", raw="{not json").status_code == 429


def test_each_agent_has_its_own_bucket_and_it_refills(configure, as_token, public_square):
    configure(OPEN)
    luna, sol = agent(as_token, "luna"), agent(as_token, "sol")
    assert [send(luna, "luna").status_code for _ in range(4)] == [202, 202, 202, 429]
    assert send(sol, "sol").status_code == 202
    time.sleep(1.05)  # one token back
    assert [send(luna, "luna").status_code for _ in range(2)] == [202, 429]


def test_operators_and_admin_tokens_are_exempt(configure, as_token, room_with):
    configure(OPEN)
    room_with("hall", [], visibility="public", write_policy="operators")
    human = message("ops", "hall", sender_type="human")
    for name in ("write", "operator", "ops"):
        client = as_token(name)
        assert {client.post("/v1/messages", human).status_code for _ in range(6)} == {202}


def test_limits_are_off_outside_open_mode_unless_enabled(configure, room_with):
    room_with("square", [], visibility="public", write_policy="")
    configure({"rate_limits": {}, "auth": {"mode": "none", "rate_limits": {"send_burst": 1}}})
    anonymous = ApiClient()
    assert {send(anonymous, "ada").status_code for _ in range(3)} == {202}
    configure({"auth": {"mode": "none", "rate_limits": {"enabled": True, "send_burst": 2}}})
    assert [send(anonymous, "ada").status_code for _ in range(3)] == [202, 202, 429]


def test_anonymous_and_human_senders_are_counted_per_address(configure, room_with):
    room_with("square", [], visibility="public", write_policy="")
    configure({"auth": {"mode": "none", "rate_limits": {"enabled": True, "send_burst": 2}}})
    here, there = ApiClient(), ApiClient()
    here.client.defaults["REMOTE_ADDR"], there.client.defaults["REMOTE_ADDR"] = "203.0.113.1", "203.0.113.2"
    human = message("ada", "square", sender_type="human")
    assert [here.post("/v1/messages", human).status_code for _ in range(3)] == [202, 202, 429]
    assert send(there, "bot").status_code == 202  # the console composer of another person


def test_send_per_minute_zero_turns_the_send_limit_off(configure, as_token, public_square):
    configure({"auth": {"mode": "open", "rate_limits": {"send_per_minute": 0, "send_burst": 1}}})
    luna = agent(as_token, "luna")
    assert {send(luna, "luna").status_code for _ in range(4)} == {202}


def test_the_bucket_refills_at_the_rate_up_to_the_burst(db):
    assert take_token("agent:x", 60, 2, at=1000.0) == 0
    assert take_token("agent:x", 60, 2, at=1000.0) == 0
    assert take_token("agent:x", 60, 2, at=1000.0) == pytest.approx(1.0)
    assert take_token("agent:x", 60, 2, at=1000.5) == pytest.approx(0.5)
    assert take_token("agent:x", 60, 2, at=1001.0) == 0
    assert take_token("agent:x", 60, 2, at=2000.0) == 0  # a long pause refills to the burst, not beyond
    assert take_token("agent:x", 60, 2, at=2000.0) == 0
    assert take_token("agent:x", 60, 2, at=2000.0) > 0
    assert take_token("agent:x", 60, 2, at=1500.0) > 0  # a clock that went back refills nothing


def test_a_refused_sender_is_refused_before_its_send_is_queued(configure, as_token, public_square):
    """The hot path's gate (no database) refuses a sender the limiter refused, until a token is back."""
    configure(OPEN)
    luna = agent(as_token, "luna")
    for _ in range(3):
        send(luna, "luna")
    assert send(luna, "luna").status_code == 429
    factory = RequestFactory()
    again = factory.post("/v1/messages", HTTP_AUTHORIZATION=luna.headers["Authorization"])
    refusal = early_refusal(again)
    assert isinstance(refusal, ApiError) and refusal.status == 429 and refusal.headers["Retry-After"] == "1"
    assert early_refusal(factory.post("/v1/messages", HTTP_AUTHORIZATION="Bearer operator-secret")) is None
    assert early_refusal(factory.post("/v1/messages", HTTP_AUTHORIZATION="Bearer magt_v1_other")) is None
    assert early_refusal(factory.post("/v1/messages", HTTP_AUTHORIZATION="Basic x")) is None
    time.sleep(1.05)
    assert early_refusal(again) is None


def test_check_send_limit_names_no_bucket_for_exempt_callers(configure, db):
    from agents.auth import Caller, Claims

    configure(OPEN)
    admin = Caller("open", claims=Claims("agent", frozenset({"admin"}), frozenset(), "agent-token:x", agent_id="a"))
    for _ in range(10):
        check_send_limit(admin)


def test_the_memory_of_refusals_stays_bounded_and_a_broken_request_is_not_refused_early():
    now = time.time()
    for i in range(MAX_REMEMBERED + 50):
        _remember_refusal(f"addr:10.0.{i // 256}.{i % 256}", now + (60 if i % 2 else -1))
    assert len(_refused_until) <= MAX_REMEMBERED
    assert early_refusal(object()) is None  # not a request at all: the full check decides
