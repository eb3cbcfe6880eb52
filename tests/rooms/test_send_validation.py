"""POST /v1/messages validation: the full table of docs/protocol/model.md §8.1, first failure wins, nothing stored."""

import json

import pytest

from events.models import Event
from rooms.models import Message

MISMATCH = "id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
TOO_LONG = "id must be 128 characters or fewer"
OK_TARGET = {"kind": "room", "room_id": "lab"}
OK_FROM = {"type": "agent", "id": "ada"}
OK_PARTS = [{"kind": "text", "text": "hi"}]


def body(**fields) -> dict:
    return {"target": OK_TARGET, "from": OK_FROM, "parts": OK_PARTS, **fields}


def part(**fields) -> list[dict]:
    return [{"kind": "text", "text": "ok"}, fields]


CASES = [
    # 1–2: sender
    (body(**{"from": {"type": "agent"}}), "from.id is required"),
    (body(**{"from": {"id": "  "}}), "from.id is required"),
    (body(**{"from": {"id": "-ada"}}), f"from.id {MISMATCH}"),
    (body(**{"from": {"id": "x" * 129}}), f"from.id {TOO_LONG}"),
    (body(**{"from": {"id": ("n" * 129) + ":ada"}}), f"from.id network id {TOO_LONG}"),
    (body(**{"from": {"id": "net:-ada"}}), f"from.id agent id {MISMATCH}"),
    (body(**{"from": {"id": "molt://net/agents/a/b"}}), f"from.id agent id {MISMATCH}"),
    (body(**{"from": {"id": "net :ada"}}), f"from.id network id {MISMATCH}"),
    # 3: parts
    (body(parts=[]), "parts must not be empty"),
    ({"target": OK_TARGET, "from": OK_FROM}, "parts must not be empty"),
    # 4: kind
    (body(parts=part(kind="video")), 'parts[1]: unsupported part kind "video"'),
    (body(parts=part(kind=" Text ")), 'parts[1]: unsupported part kind " Text "'),  # quoted as sent, like Go
    (body(parts=part(kind='vi"d')), 'parts[1]: unsupported part kind "vi\\"d"'),
    (body(parts=[{}]), 'parts[0]: unsupported part kind ""'),
    # 5: unparseable url
    (body(parts=part(kind="url", url="http://a\x01")),
     'parts[1]: url is invalid: parse "http://a\\x01": net/url: invalid control character in URL'),
    (body(parts=part(kind="url", url="http://x/%zz")),
     'parts[1]: url is invalid: parse "http://x/%zz": invalid URL escape "%zz"'),
    (body(parts=part(kind="url", url="http://[::1")),
     'parts[1]: url is invalid: parse "http://[::1": missing \']\' in host'),
    (body(parts=part(kind="url", url="http://h:8x/")),
     'parts[1]: url is invalid: parse "http://h:8x/": invalid port ":8x" after host'),
    (body(parts=part(kind="url", url="1a:b/c")),
     'parts[1]: url is invalid: parse "1a:b/c": first path segment in URL cannot contain colon'),
    (body(parts=part(kind="url", url="http://a b/")),
     'parts[1]: url is invalid: parse "http://a b/": invalid character " " in host name'),
    (body(parts=part(kind="url", url=":x")), 'parts[1]: url is invalid: parse ":x": missing protocol scheme'),
    (body(parts=part(kind="url", url="ab:c")), 'parts[1]: url scheme "ab" is unsupported'),
    # 6: scheme
    (body(parts=part(kind="url", url="ftp://host/x")), 'parts[1]: url scheme "ftp" is unsupported'),
    (body(parts=part(kind="url", url="/relative/path")), 'parts[1]: url scheme "" is unsupported'),
    (body(parts=part(kind="file", url="javascript:alert(1)")), 'parts[1]: url scheme "javascript" is unsupported'),
    # 7: host
    (body(parts=part(kind="url", url="http:///path")), "parts[1]: url host is required"),
    (body(parts=part(kind="url", url="https:only")), "parts[1]: url host is required"),
    # 8: message id
    (body(id="-m"), MISMATCH),
    (body(id="m" * 129), TOO_LONG),
    # 9: target
    (body(target={"kind": "Room", "room_id": "lab"}), 'unsupported target kind "Room"'),
    (body(target={"kind": " room", "room_id": "lab"}), 'unsupported target kind " room"'),  # exact, untrimmed
    (body(target={"kind": "dm\n", "dm_id": "d", "participant_ids": ["a", "b"]}), 'unsupported target kind "dm\\n"'),
    (body(target={}), 'unsupported target kind ""'),
    (body(target={"kind": "room"}), "target.room_id is required for room messages"),
    (body(target={"kind": "room", "room_id": "l/b"}), f"target.room_id room id {MISMATCH}"),
    (body(target={"kind": "thread", "room_id": "lab"}), "target.thread_id is required for thread messages"),
    (body(target={"kind": "thread", "thread_id": "t"}), "target.room_id is required for thread messages"),
    (body(target={"kind": "thread", "thread_id": "t", "room_id": "-x"}), f"target.room_id room id {MISMATCH}"),
    (body(target={"kind": "thread", "thread_id": "-t", "room_id": "lab"}), f"target.thread_id {MISMATCH}"),
    (body(target={"kind": "thread", "thread_id": "t", "room_id": "lab", "parent_message_id": "-p"}),
     f"target.parent_message_id {MISMATCH}"),
    (body(target={"kind": "dm", "participant_ids": ["a", "b"]}), "target.dm_id is required for direct messages"),
    (body(target={"kind": "dm", "dm_id": "d", "participant_ids": ["a", " a "]}),
     "target.participant_ids must declare at least two direct-message participants"),
    (body(target={"kind": "dm", "dm_id": "-d", "participant_ids": ["a", "b"]}), f"target.dm_id {MISMATCH}"),
    (body(target={"kind": "dm", "dm_id": "d", "participant_ids": [f"p{i}" for i in range(257)]}),
     "target.participant_ids must contain 256 IDs or fewer"),
    (body(target={"kind": "dm", "dm_id": "d", "participant_ids": ["a", "a", "b/c"]}),
     f"target.participant_ids[1] {MISMATCH}"),
    (body(target={"kind": "dm", "dm_id": "d", "participant_ids": ["a", "net_b: b"]}),
     f"target.participant_ids[1] agent id {MISMATCH}"),
    # first failure wins
    (body(**{"from": {}}, parts=[], id="-x", target={}), "from.id is required"),
    (body(parts=part(kind="nope"), id="-x"), 'parts[1]: unsupported part kind "nope"'),
    (body(id="-x", target={}), MISMATCH),
]


@pytest.mark.parametrize(("payload", "error"), CASES)
def test_invalid_send_is_422_and_stores_nothing(api, make_room, payload, error):
    make_room("lab", members=["ada"])
    response = api.post("/v1/messages", payload)
    assert response.status_code == 422, response.content
    assert response.json()["error"] == error
    assert response.json()["code"] == "unprocessable_entity"
    assert not Message.objects.exists()
    assert Event.objects.count() == 1  # room.created only


@pytest.mark.parametrize("url", ["molt:anything", "molt:%zz", "http://h:99999/", "http://x/?q=%zz",
                                 "molt://local/rooms/lab", "https://example.org/r.csv", "HTTP://EXAMPLE.ORG",
                                 "  https://x.org  "])
def test_accepted_urls(api, make_room, url):
    make_room("lab", members=["ada"])
    assert api.post("/v1/messages", body(parts=[{"kind": "url", "url": url}])).status_code == 202


def test_parts_need_nothing_but_a_kind(api, make_room):
    make_room("lab", members=["ada"])
    assert api.post("/v1/messages", body(parts=[{"kind": "text"}, {"kind": " url "}])).status_code == 202


@pytest.mark.parametrize("raw", ['{"parts": [{"kind": "data", "data": [1]}]}', '{"parts": "x"}',
                                 '{"from": {"id": 5}}', '{"mentions": [1]}', "[]", "{} {}", "{}x", "",
                                 '{"parts": [{"kind": "data", "data": {"x": NaN}}]}'])
def test_undecodable_send_is_400(api, raw):
    response = api.request("POST", "/v1/messages", raw=raw)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_null_body_fails_validation(api):
    response = api.request("POST", "/v1/messages", raw="null")
    assert (response.status_code, response.json()["error"]) == (422, "from.id is required")


def test_body_over_one_mebibyte_is_400(api, make_room):
    make_room("lab", members=["ada"])
    big = body(parts=[{"kind": "text", "text": "x" * (1 << 20)}])
    response = api.post("/v1/messages", big)
    assert response.status_code == 400
    assert response.json()["error"] == "http: request body too large"
    assert not Message.objects.exists()


def test_a_body_of_exactly_one_mebibyte_is_read(api, make_room):
    make_room("lab", members=["ada"])
    payload = json.dumps(body())
    raw = payload + " " * ((1 << 20) - len(payload))  # trailing whitespace is allowed
    assert len(raw) == 1 << 20
    assert api.request("POST", "/v1/messages", raw=raw).status_code == 202
    assert api.request("POST", "/v1/messages", raw=raw + " ").status_code == 400


def test_numbers_beyond_float64_are_400_in_data_and_ignored_elsewhere(api, make_room):
    # Python would parse 1e400 as infinity and write "Infinity" into history (invalid JSON for every reader).
    make_room("lab", members=["ada"])
    for number in ("1e400", "-1e999", "1" * 400):
        response = api.request("POST", "/v1/messages", raw=json.dumps(body(parts=[
            {"kind": "data", "data": {"x": "@"}}])).replace('"@"', number))
        assert (response.status_code, response.json()["code"]) == (400, "bad_request"), number
    assert not Message.objects.exists()
    unknown = json.dumps(body()).replace("{", '{"extra": [1e400, ' + "9" * 5000 + "], ", 1)
    assert api.request("POST", "/v1/messages", raw=unknown).status_code == 202  # unknown fields are skipped
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["parts"] == OK_PARTS
