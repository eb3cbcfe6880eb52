"""Artifact extraction and GET /v1/artifacts (docs/protocol/model.md §12, docs/protocol/http-api.md §4.10)."""

import pytest

from tests.support.rooms import dm, room, thread

PARTS = [
    {"kind": "text", "text": "plain"},                                     # 0: not an artifact
    {"kind": "url", "url": "https://example.org/r.csv", "media_type": "text/csv"},
    {"kind": "text", "text": "typed", "media_type": "text/markdown"},   # 2: text with a media type
    {"kind": " text", "text": "odd kind"},                               # 3: kind is not exactly "text"
    {"kind": "file", "filename": "notes.txt"},
]


@pytest.fixture
def lab(make_room):
    make_room("lab", members=["ada"])


def post(api, target, message_id, parts=PARTS):
    assert api.post("/v1/messages", {"id": message_id, "target": target, "from": {"id": "ada"},
                                     "parts": parts}).status_code == 202


def test_every_non_plain_part_becomes_an_artifact(api, lab):
    post(api, room(), "m1")
    body = api.get("/v1/artifacts?room_id=lab").json()
    created_at = api.get("/v1/rooms/lab/messages").json()["messages"][0]["created_at"]
    assert [a["part_index"] for a in body["artifacts"]] == [1, 2, 3, 4]
    assert body["artifacts"][0] == {"id": "art_m1_1", "network_id": "local", "fqid": "molt://local/artifacts/art_m1_1",
                                    "message_id": "m1", "target": {"kind": "room", "room_id": "lab"},
                                    "part_index": 1, "kind": "url", "media_type": "text/csv",
                                    "url": "https://example.org/r.csv", "created_at": created_at}
    assert body["artifacts"][2]["kind"] == " text"
    assert body["artifacts"][3]["filename"] == "notes.txt"
    assert body["page"] == {"has_more": False}


def test_room_artifacts_include_its_threads(api, lab):
    post(api, room(), "m1", PARTS[1:2])
    post(api, thread("t1"), "m2", PARTS[1:2])
    assert [a["id"] for a in api.get("/v1/artifacts?room_id=lab").json()["artifacts"]] == ["art_m1_0", "art_m2_0"]
    assert [a["id"] for a in api.get("/v1/artifacts?thread_id=t1").json()["artifacts"]] == ["art_m2_0"]


def test_first_non_empty_filter_of_thread_dm_room_applies(api, lab):
    post(api, room(), "m1", PARTS[1:2])
    post(api, thread("t1"), "m2", PARTS[1:2])
    post(api, dm("d1"), "m3", PARTS[1:2])
    assert [a["id"] for a in api.get("/v1/artifacts?room_id=lab&thread_id=t1").json()["artifacts"]] == ["art_m2_0"]
    assert [a["id"] for a in api.get("/v1/artifacts?room_id=lab&dm_id=d1").json()["artifacts"]] == ["art_m3_0"]
    assert api.get("/v1/artifacts?dm_id=unknown").json() == {"artifacts": [], "page": {"has_more": False}}


def test_history_pagination_over_artifacts(api, lab):
    post(api, room(), "m1")
    page = api.get("/v1/artifacts?room_id=lab&limit=3").json()
    assert [a["id"] for a in page["artifacts"]] == ["art_m1_2", "art_m1_3", "art_m1_4"]
    assert page["page"] == {"has_more": True, "next_before": "art_m1_2"}
    older = api.get("/v1/artifacts?room_id=lab&before=art_m1_2").json()
    assert [a["id"] for a in older["artifacts"]] == ["art_m1_1"]
    assert older["page"] == {"has_more": False}


@pytest.mark.parametrize(("query", "status", "error"), [
    ("", 422, "artifact filter is required"),
    ("room_id=%20", 422, "artifact filter is required"),
    ("room_id=ghost&before=a&after=b", 422, "before and after cannot both be set"),
    ("room_id=lab&after=-x", 422, "after id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ("room_id=lab&after=art_nope", 422, 'invalid cursor "art_nope"'),
    ("room_id=ghost", 404, 'unknown room "ghost"'),
    ("thread_id=ghost", 404, 'unknown thread "ghost"'),
    ("room_id=ghost&thread_id=ghost", 404, 'unknown room "ghost"'),
    ("thread_id=gh%22ost", 404, 'unknown thread "gh\\"ost"'),  # Go's %q escaping
    ("room_id=lab&room_id=ghost&thread_id=ghost&thread_id=t", 404, 'unknown thread "ghost"'),  # first values
])
def test_errors_in_spec_order(api, lab, query, status, error):
    response = api.get(f"/v1/artifacts?{query}")
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_long_message_ids_make_artifact_ids_unusable_as_cursors(api, lab):
    long_id = "m" * 128
    post(api, room(), long_id, PARTS[1:2])
    [artifact] = api.get("/v1/artifacts?room_id=lab").json()["artifacts"]
    assert artifact["id"] == f"art_{long_id}_0"
    assert api.get(f"/v1/artifacts?room_id=lab&before={artifact['id']}").status_code == 422
