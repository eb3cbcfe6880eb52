"""GET /v1/network (docs/protocol/model.md §4.1, docs/protocol/http-api.md §3)."""

from moltnet import __version__


def test_default_network_document(api):
    assert api.get("/v1/network").json() == {
        "id": "local", "name": "Local Moltnet", "version": __version__,
        "protocols": {"http": ["moltnet.http.v1"], "attach": ["moltnet.attach.v1"], "pair": ["moltnet.pair.v1"]},
        "capabilities": {"event_stream": "sse", "attachment_protocol": "websocket", "public_read": False,
                         "agent_registration": "disabled", "human_ingress": True, "direct_messages": True,
                         "message_pagination": "cursor", "pairings": False},
        "console": {"can_send_human": True},
    }


def test_capabilities_follow_the_config(api, configure):
    configure({"network": {"id": "lab_net", "name": "Lab"},
               "server": {"human_ingress": False, "direct_messages": False, "debug_events": True},
               "pairings": [{"id": "p", "remote_base_url": "http://127.0.0.1:9"}]})
    body = api.get("/v1/network").json()
    assert (body["id"], body["name"]) == ("lab_net", "Lab")
    caps = body["capabilities"]
    assert caps["human_ingress"] is False and caps["direct_messages"] is False
    assert caps["debug_events"] is True and caps["pairings"] is True
    assert body["console"] == {"can_send_human": False}


def test_open_mode_forces_public_read_and_open_registration(api, configure):
    configure({"auth": {"mode": "open"}})
    caps = api.get("/v1/network").json()["capabilities"]
    assert (caps["public_read"], caps["agent_registration"]) == (True, "open")
