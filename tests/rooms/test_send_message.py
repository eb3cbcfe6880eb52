"""POST /v1/messages: the send path as a client sees it (docs/protocol/http-api.md §4.8, docs/protocol/model.md §4.6,
§11)."""

import json

import pytest

from events.models import Event
from rooms.models import Message
from tests.support.rooms import event_types, room, text


@pytest.fixture
def lab(make_room):
    make_room("lab", members=["ada", "grace"])


def test_room_message_is_stored_with_canonical_mentions(api, lab):
    response = api.post("/v1/messages", {"id": "msg_1", "target": {"kind": "room", "room_id": "lab"},
                                         "from": {"type": "agent", "id": "ada"}, "parts": text("@grace hi")})
    assert response.status_code == 202
    assert response.json() == {"message_id": "msg_1", "event_id": "evt_116b88f1-7300-4be5-a05d-f2a87105f095",
                               "accepted": True, "thread_created": False, "dm_created": False}
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert list(message) == ["id", "network_id", "origin", "target", "from", "parts", "mentions", "created_at"]
    assert message["mentions"] == ["molt://local/agents/grace"]
    assert message["from"] == {"type": "agent", "id": "ada", "network_id": "local", "fqid": "molt://local/agents/ada"}
    assert message["origin"] == {"network_id": "local", "message_id": "msg_1"}
    assert message["target"] == {"kind": "room", "room_id": "lab"}
    assert message["network_id"] == "local"


def test_generated_ids_are_msg_uuid4(api, lab, send):
    message_id = send(room()).json()["message_id"]
    assert message_id.startswith("msg_")
    uuid = message_id[4:]
    assert len(uuid) == 36 and uuid[14] == "4" and uuid[19] in "89ab"


def test_message_without_mentions_omits_the_field(api, lab, send):
    send(room(), "plain")
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert "mentions" not in message


def test_parts_are_stored_verbatim_and_empty_fields_dropped(api, lab):
    parts = [{"kind": "text", "text": "a", "media_type": "", "data": {}},
             {"kind": " data ", "data": {"k": [1, {"x": None}]}, "filename": "f.json"}]
    api.post("/v1/messages", {"target": room(), "from": {"id": "ada"}, "parts": parts})
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["parts"] == [{"kind": "text", "text": "a"},
                                {"kind": " data ", "filename": "f.json", "data": {"k": [1, {"x": None}]}}]


def test_actor_is_normalized_but_never_trimmed_or_typed(api, lab):
    api.post("/v1/messages", {"target": room(), "from": {"id": "ada", "name": " Ada "}, "parts": text("x")})
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["from"] == {"type": "", "id": "ada", "name": " Ada ", "network_id": "local",
                               "fqid": "molt://local/agents/ada"}


def test_lone_surrogate_escapes_become_replacement_characters(api, lab):
    # Go decodes "\ud800" as U+FFFD; Python keeps an unencodable surrogate (a 500 on store).
    raw = '{"target": {"kind": "room", "room_id": "lab"}, "from": {"id": "ada"},' \
          ' "parts": [{"kind": "text", "text": "a\\ud800b\\udc00", "data": {"k\\udfff": ["\\ud83d\\ude00"]}}]}'
    assert api.request("POST", "/v1/messages", raw=raw).status_code == 202
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["parts"] == [{"kind": "text", "text": "a\ufffdb\ufffd", "data": {"k\ufffd": ["\U0001f600"]}}]


def test_invalid_utf8_inside_strings_becomes_one_replacement_per_byte(api, lab):
    raw = b'{"target": {"kind": "room", "room_id": "lab"}, "from": {"id": "ada"},' \
          b' "parts": [{"kind": "text", "text": "a\xffb\xe2\x82c"}]}'
    assert api.request("POST", "/v1/messages", raw=raw).status_code == 202
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["parts"][0]["text"] == "a\ufffdb\ufffd\ufffdc"
    outside = api.request("POST", "/v1/messages", raw=b'{"target": \xff}')
    assert (outside.status_code, outside.json()["code"]) == (400, "bad_request")


def test_origin_is_kept_when_given(api, lab):
    api.post("/v1/messages", {"id": "m2", "origin": {"network_id": "remote", "message_id": "m1"},
                              "target": room(), "from": {"id": "ada"}, "parts": text("x")})
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["origin"] == {"network_id": "remote", "message_id": "m1"}


def test_message_created_event_is_recorded_with_the_deterministic_id(api, lab):
    api.post("/v1/messages", {"id": "msg_1", "target": room(), "from": {"id": "ada"}, "parts": text("x")})
    event = Event.objects.get(type="message.created")
    assert event.event_id == "evt_116b88f1-7300-4be5-a05d-f2a87105f095"
    body = json.loads(event.body)
    assert list(body) == ["id", "type", "network_id", "message", "created_at"]
    assert body["message"]["id"] == "msg_1"
    assert body["created_at"] == body["message"]["created_at"]


def test_retry_with_same_id_is_idempotent_even_with_other_content(api, lab, make_room):
    make_room("other", members=["ada"])
    body = {"id": " msg_r ", "target": room(), "from": {"id": "ada"}, "parts": text("x")}
    first = api.post("/v1/messages", body).json()
    second = api.post("/v1/messages", {**body, "target": room("other"), "parts": text("changed")})
    assert second.status_code == 202
    assert second.json() == first
    assert first["message_id"] == "msg_r"
    assert [m["parts"][0]["text"] for m in api.get("/v1/rooms/lab/messages").json()["messages"]] == ["x"]
    assert api.get("/v1/rooms/other/messages").json()["messages"] == []
    assert event_types().count("message.created") == 1


def test_retry_still_runs_the_checks(api, lab):
    body = {"id": "msg_r", "target": room(), "from": {"id": "ada"}, "parts": text("x")}
    api.post("/v1/messages", body)
    assert api.post("/v1/messages", {**body, "target": room("nope")}).status_code == 404
    assert api.post("/v1/messages", {**body, "parts": []}).status_code == 422


def test_message_ids_are_unique_across_conversations(api, lab, send):
    send(room(), id="same")
    retry = send({"kind": "dm", "dm_id": "d1", "participant_ids": ["ada", "grace"]}, id="same")
    assert retry.json()["dm_created"] is False
    assert Message.objects.count() == 1
    assert api.get("/v1/dms").json()["dms"] == []


def test_unknown_room_is_404_and_stores_nothing(api, lab, send):
    response = send(room("nope"))
    assert response.status_code == 404
    assert response.json()["error"] == 'unknown room "nope"'
    assert response.json()["code"] == "not_found"
    assert not Message.objects.exists()


def test_human_senders_are_refused_when_human_ingress_is_off(api, lab, configure):
    configure({"server": {"human_ingress": False}})
    response = api.post("/v1/messages", {"target": room(), "from": {"type": "human", "id": "op"}, "parts": []})
    assert response.status_code == 403
    assert response.json()["error"] == "human ingress is disabled for this network"
    assert response.json()["code"] == "forbidden"
    # only the exact type "human" is special
    ok = api.post("/v1/messages", {"target": room(), "from": {"type": "Human", "id": "ada"}, "parts": text("x")})
    assert ok.status_code == 202
    assert Message.objects.count() == 1


def test_human_senders_are_accepted_with_ingress_on(api, lab):
    response = api.post("/v1/messages", {"target": room(), "from": {"type": "human", "id": "operator"},
                                         "parts": text("hello")})
    assert response.status_code == 202
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["from"]["type"] == "human"
    assert message["from"]["fqid"] == "molt://local/agents/operator"


def test_response_is_application_json_with_a_request_id(api, lab, send):
    response = send(room())
    assert response["Content-Type"] == "application/json"
    assert response["X-Request-Id"].startswith("req_")
    assert response.content.endswith(b"}\n")


def test_blank_actor_network_and_fqid_are_filled(api, lab):
    api.post("/v1/messages", {"target": room(), "from": {"id": "ada", "network_id": " ", "fqid": ""},
                              "parts": text("x")})
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert (message["from"]["network_id"], message["from"]["fqid"]) == ("local", "molt://local/agents/ada")


def test_target_and_origin_ids_are_stored_trimmed(api, lab):
    # A documented difference: Go stores these as sent.
    api.post("/v1/messages", {"id": "m2", "origin": {"network_id": " local ", "message_id": " m1 "},
                              "target": {"kind": "room", "room_id": " lab "}, "from": {"id": "ada"},
                              "parts": text("x")})
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert (message["target"], message["origin"]) == ({"kind": "room", "room_id": "lab"},
                                                      {"network_id": "local", "message_id": "m1"})
