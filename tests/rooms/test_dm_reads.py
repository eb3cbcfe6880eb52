"""GET /v1/dms, GET /v1/dms/{dmID}, GET /v1/dms/{dmID}/messages (docs/protocol/http-api.md §4.10)."""

import pytest

from tests.support.rooms import dm

DISABLED = "direct messages are disabled for this network"

@pytest.fixture
def dms_off(configure):
    return configure({"server": {"direct_messages": False}})


def test_dm_document_and_history(api, send):
    send(dm("d1", "grace", "ada"), id="m1")
    send(dm("d1", "ada", "zed"), id="m2", sender="zed")
    body = api.get("/v1/dms/d1").json()
    last = api.get("/v1/dms/d1/messages").json()["messages"][-1]["created_at"]
    assert body == {"id": "d1", "network_id": "local", "fqid": "molt://local/dms/d1",
                    "participant_ids": ["ada", "grace", "zed"], "message_count": 2, "last_message_at": last}
    assert [m["id"] for m in api.get("/v1/dms/d1/messages").json()["messages"]] == ["m1", "m2"]


def test_dm_list_is_sorted_with_collection_pages(api, send):
    for dm_id in ("d3", "d1", "d2"):
        send(dm(dm_id))
    body = api.get("/v1/dms?limit=2&after=d1").json()
    assert [d["id"] for d in body["dms"]] == ["d2", "d3"]
    assert body["page"] == {"has_more": True, "next_before": "d2"}
    assert api.get("/v1/dms").json()["page"] == {"has_more": False}


def test_empty_dm_list(api):
    assert api.get("/v1/dms").json() == {"dms": [], "page": {"has_more": False}}


def test_unknown_dm_is_404(api):
    for path in ("/v1/dms/nope", "/v1/dms/nope/messages"):
        response = api.get(path)
        assert (response.status_code, response.json()["error"]) == (404, 'unknown direct conversation "nope"')


@pytest.mark.parametrize("path", ["/v1/dms", "/v1/dms/d1", "/v1/dms/d1/messages", "/v1/artifacts?dm_id=d1"])
def test_dm_reads_are_403_when_disabled(api, dms_off, path):
    response = api.get(path)
    assert (response.status_code, response.json()["error"], response.json()["code"]) == (403, DISABLED, "forbidden")
