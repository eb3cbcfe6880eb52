"""POST /v1/rooms (docs/protocol/http-api.md §4.2, docs/protocol/model.md §5, docs/protocol/model.md §8.2)."""

import json

import pytest

from rooms.models import Room
from tests.support.rooms import event_types

MISMATCH = "id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"


def test_create_returns_201_with_the_normalized_room(api):
    response = api.post("/v1/rooms", {"id": " lab ", "name": " Lab ", "members": [" grace", "ada", "grace", ""],
                                      "visibility": "public", "write_policy": "registered_agents"})
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    body = response.json()
    created_at = body.pop("created_at")
    assert body == {"id": "lab", "network_id": "local", "fqid": "molt://local/rooms/lab", "name": "Lab",
                    "members": ["ada", "grace"], "visibility": "public", "write_policy": "registered_agents"}
    assert created_at.endswith("Z")
    assert "access" not in body
    assert event_types() == ["room.created"]


def test_defaults_name_to_id_and_policies_to_private_members(api):
    body = api.post("/v1/rooms", {"id": "lab"}).json()
    assert body["name"] == "lab"
    assert body["visibility"] == "private"
    assert body["write_policy"] == "members"
    assert "members" not in body  # omitted when empty


def test_members_are_sorted_in_byte_order(api):
    body = api.post("/v1/rooms", {"id": "lab", "members": ["b", "B", "a", "net:z", "molt://n/agents/q"]}).json()
    assert body["members"] == ["B", "a", "b", "molt://n/agents/q", "net:z"]


@pytest.mark.parametrize(("body", "error"), [
    ({}, "room id is required"),
    ({"id": "   "}, "room id is required"),
    ({"id": "-lab"}, f"room id {MISMATCH}"),
    ({"id": "x" * 129}, "room id id must be 128 characters or fewer"),
    ({"id": "lab", "members": [f"m{i}" for i in range(257)]}, "members must contain 256 IDs or fewer"),
    ({"id": "lab", "members": ["ok", "bad/id"]}, f"members[1] {MISMATCH}"),
    ({"id": "lab", "members": ["ok", "ok", ":alpha"]}, f"members[1] {MISMATCH}"),
    ({"id": "lab", "members": ["a::b"]}, f"members[0] agent id {MISMATCH}"),
    ({"id": "lab", "members": ["-n:alpha"]}, f"members[0] network id {MISMATCH}"),
    ({"id": "lab", "members": ["molt://net/agents/a/b"]}, f"members[0] agent id {MISMATCH}"),
    ({"id": "lab", "visibility": "Public"}, 'unsupported room visibility "Public"'),
    ({"id": "lab", "write_policy": "everyone"}, 'unsupported room write_policy "everyone"'),
    # Go's %q: quotes and control characters in the echoed value are escaped
    ({"id": "lab", "visibility": 'pu"b\tlic'}, 'unsupported room visibility "pu\\"b\\tlic"'),
    # the two sides of a scoped/FQID member are checked as written, not trimmed
    ({"id": "lab", "members": ["net :alpha"]}, f"members[0] network id {MISMATCH}"),
    ({"id": "lab", "members": ["net: alpha"]}, f"members[0] agent id {MISMATCH}"),
    ({"id": "lab", "members": ["molt://net /agents/alpha"]}, f"members[0] network id {MISMATCH}"),
    # Go's TrimSpace keeps U+001C..U+001F (Python's str.strip() would drop them)
    ({"id": "\x1clab"}, f"room id {MISMATCH}"),
])
def test_invalid_requests_are_422_and_create_nothing(api, body, error):
    response = api.post("/v1/rooms", body)
    assert response.status_code == 422
    assert response.json()["error"] == error
    assert response.json()["code"] == "unprocessable_entity"
    assert not Room.objects.exists()
    assert event_types() == []


def test_256_members_are_allowed(api):
    assert api.post("/v1/rooms", {"id": "lab", "members": [f"m{i}" for i in range(256)]}).status_code == 201


def test_quirky_member_forms_are_accepted(api):
    body = api.post("/v1/rooms", {"id": "lab", "members": ["net_a:", "net_b:alpha:x"]}).json()
    assert body["members"] == ["net_a:", "net_b:alpha:x"]


def test_existing_or_removed_id_is_409(api):
    assert api.post("/v1/rooms", {"id": "lab"}).status_code == 201
    again = api.post("/v1/rooms", {"id": "lab"})
    assert again.status_code == 409
    assert again.json()["error"] == 'room "lab" already exists'
    assert again.json()["code"] == "conflict"
    assert api.delete("/v1/rooms/lab").status_code == 200
    after_removal = api.post("/v1/rooms", {"id": "lab"})
    assert after_removal.status_code == 409
    assert after_removal.json()["error"] == 'room "lab" already exists'


@pytest.mark.parametrize("raw", ["", "   ", "[]", '"lab"', '{"id": 7}', '{"members": "ada"}', '{"id":"a"} {}',
                                 '{"id":"a"} x', '{"id":'])
def test_undecodable_bodies_are_400(api, raw):
    response = api.request("POST", "/v1/rooms", raw=raw)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert not Room.objects.exists()


def test_null_body_is_an_empty_request(api):
    response = api.request("POST", "/v1/rooms", raw="null")
    assert response.status_code == 422
    assert response.json()["error"] == "room id is required"


def test_field_names_match_case_insensitively_and_unknown_fields_are_ignored(api):
    body = api.request("POST", "/v1/rooms", raw=json.dumps({"ID": "lab", "Name": "L", "extra": 1})).json()
    assert (body["id"], body["name"]) == ("lab", "L")


def test_the_last_of_case_folded_duplicate_keys_wins(api):
    assert api.request("POST", "/v1/rooms", raw='{"ID": "first", "id": "second"}').json()["id"] == "second"
    assert api.request("POST", "/v1/rooms", raw='{"id": "third", "Id": "fourth"}').json()["id"] == "fourth"


def test_unicode_spaces_are_trimmed_like_go(api):
    body = api.post("/v1/rooms", {"id": "\u3000lab\xa0", "members": ["\u2003ada\x85"]}).json()
    assert (body["id"], body["members"]) == ("lab", ["ada"])


def test_the_last_duplicate_key_wins_in_document_order(api):
    # Python's dict keeps a repeated key at its first position; Go applies keys in document order.
    assert api.request("POST", "/v1/rooms", raw='{"id": "a", "ID": "b", "id": "c"}').json()["id"] == "c"


def test_null_list_elements_are_empty_strings(api):
    body = api.request("POST", "/v1/rooms", raw='{"id": "lab", "members": [null, "ada", null]}')
    assert body.status_code == 201
    assert body.json()["members"] == ["ada"]  # blank members are dropped, as Go's [""] would be


@pytest.mark.parametrize("raw", ['{"id": "lab", "x": NaN}', '{"id": "lab", "x": Infinity}',
                                 '{"id": "lab", "x": -Infinity}'])
def test_non_json_constants_are_400(api, raw):
    response = api.request("POST", "/v1/rooms", raw=raw)
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
    assert not Room.objects.exists()


def test_null_fields_keep_their_zero_value(api):
    body = api.request("POST", "/v1/rooms", raw='{"id": "lab", "name": null, "members": null}').json()
    assert (body["id"], body["name"]) == ("lab", "lab")
