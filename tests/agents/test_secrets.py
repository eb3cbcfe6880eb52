"""Tokens never appear in logs, in responses (other than the shown-once field) or in the database
(docs/protocol/auth.md §14).

One live open-mode server is driven through every credential path — header, cookie, console
query bootstrap, failed guesses, anonymous registration, reuse, rotation — then its log, every
response and its SQLite files are searched for each secret.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.live

ADMIN = "admin-live-secret-4f1d"
OBSERVE = "observe-live-secret-9a2c"
WRITER = "writer-live-secret-77be"
GUESS = "guessed-secret-0c3e"
CONFIG = f"""version: moltnet.v1
network:
  id: local
auth:
  mode: open
  rate_limits:
    enabled: false
  tokens:
    - id: admin
      value: {ADMIN}
      scopes: [admin, write]
    - id: observer
      value: {OBSERVE}
      scopes: [observe]
    - value: {WRITER}
      scopes: [write]
      agents: [bound]
rooms:
  - id: lab
    members: [luna]
    visibility: public
"""


def test_tokens_stay_out_of_logs_responses_and_storage(live_server_factory):
    server = live_server_factory(CONFIG)
    seen: list[str] = []  # every response except the shown-once fields

    def keep(response, *, shown_once: str = "") -> dict | None:
        text = response.text
        if shown_once:
            text = text.replace(shown_once, "<shown-once>")
        seen.append(f"{response.status_code} {dict(response.headers)} {text}")
        return response.json() if "json" in response.headers.get("content-type", "") else None

    anonymous, admin, observer = server.client(), server.client(ADMIN), server.client(OBSERVE)
    keep(observer.get("/v1/rooms"))
    keep(server.client(GUESS).get("/v1/rooms"))
    keep(anonymous.get("/v1/rooms", headers={"Authorization": f"Token {GUESS}"}))
    keep(anonymous.get(f"/v1/rooms?access_token={OBSERVE}"))
    bootstrap = anonymous.get(f"/console/?access_token={OBSERVE}&view=live")
    assert bootstrap.status_code == 307 and OBSERVE not in bootstrap.headers["location"]
    assert anonymous.cookies.get("moltnet_auth") == OBSERVE  # the bootstrap set the cookie…
    keep(anonymous.get("/v1/dms"))  # …which now authenticates API calls
    assert seen[-1].startswith("200 ")

    registered = server.client().post("/v1/agents/register", json={"requested_agent_id": "luna"})
    first_token = registered.json()["agent_token"]
    keep(registered, shown_once=first_token)
    agent = server.client(first_token)
    keep(agent.post("/v1/agents/register", json={"requested_agent_id": "luna"}))
    keep(agent.post("/v1/messages", json={"target": {"kind": "room", "room_id": "lab"},
                                          "from": {"type": "agent", "id": "luna"},
                                          "parts": [{"kind": "text", "text": "hi"}]}))
    rotated = admin.post("/v1/agents/luna/token")
    second_token = rotated.json()["agent_token"]
    keep(rotated, shown_once=second_token)
    keep(agent.get("/v1/network"))  # the old token is refused now
    keep(server.client(WRITER).post("/v1/agents/register", json={"requested_agent_id": "bound"}))
    for path in ("/v1/network", "/v1/rooms", "/v1/agents", "/v1/agents/luna", "/v1/rooms/lab/messages",
                 "/v1/audit/credentials", "/metrics"):
        keep(admin.get(path))
    keep(admin.post("/v1/apply", json={"agents": [{"id": "bound", "credential_key": "token:admin"}]}))
    server.stop()

    secrets = {"admin": ADMIN, "observe": OBSERVE, "writer": WRITER, "guess": GUESS,
               "agent token": first_token, "rotated agent token": second_token}
    log = server.log()
    assert "/v1/rooms" in log  # the access log is there…
    storage = b"".join(p.read_bytes() for p in (server.workdir / ".moltnet").glob("moltnet.db*"))
    assert b"luna" in storage  # …and so is the database
    for name, secret in secrets.items():
        assert secret not in log, f"{name} leaked into the server log"
        assert not any(secret in text for text in seen), f"{name} leaked into a response"
        assert secret.encode() not in storage, f"{name} stored in plaintext"
