"""The console's Pairings page: status and relay backlog per pairing, never the token."""

from __future__ import annotations

from django.test import Client

from moltnet import state
from pairings.relay import PairingRelay, RelaySettings


def test_console_lists_status_and_backlog_without_the_token(api, configure) -> None:
    configure({"network": {"id": "alpha"},
               "auth": {"mode": "bearer", "tokens": [{"id": "viewer", "value": "viewer-secret",
                                                      "scopes": ["observe", "write"]}]},
               "rooms": [{"id": "atrium", "members": ["luna"]}],
               "pairings": [{"id": "beta", "remote_network_id": "beta", "remote_base_url": "http://127.0.0.1:9",
                             "token": "console-hidden-secret"}]}, declared=True)
    relay = PairingRelay(state.config().pairings[0], RelaySettings(backoff_min=0.01, backoff_max=0.01))
    relay.step()
    writer = api.with_token("viewer-secret")
    for text in ("one", "two"):
        assert writer.post("/v1/messages", {"target": {"kind": "room", "room_id": "atrium"}, "from": {"id": "luna"},
                                            "parts": [{"kind": "text", "text": text}]}).status_code == 202
    relay.step()  # port 9 refuses: the pairing goes to error, both messages stay queued

    browser = Client()
    browser.cookies["moltnet_auth"] = "viewer-secret"
    page = browser.get("/console/pairings/pairingstate/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "beta" in html and "error" in html and "remote_request_failed" in html
    assert '<td class="field-queued">2</td>' in html
    assert "console-hidden-secret" not in html
