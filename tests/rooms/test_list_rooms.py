"""GET /v1/rooms: collection pagination over readable rooms (docs/protocol/http-api.md §4.1, §1.6)."""

import pytest


@pytest.fixture
def abcd(make_room):
    for room_id in ("d", "b", "a", "c"):
        make_room(room_id)


def ids(response) -> list[str]:
    return [r["id"] for r in response.json()["rooms"]]


def test_empty_list_is_an_array(api):
    assert api.get("/v1/rooms").json() == {"rooms": [], "page": {"has_more": False}}


def test_items_carry_access_and_are_sorted_by_id(api, abcd):
    body = api.get("/v1/rooms").json()
    assert [r["id"] for r in body["rooms"]] == ["a", "b", "c", "d"]
    assert body["rooms"][0]["access"] == {"can_read": True, "can_write": True, "reason": "private/members-write"}
    assert body["page"] == {"has_more": False}


def test_collection_example_of_the_spec(api, abcd):
    first = api.get("/v1/rooms?limit=2")
    assert ids(first) == ["a", "b"]
    assert first.json()["page"] == {"has_more": True, "next_after": "b"}
    second = api.get("/v1/rooms?limit=2&after=b")
    assert ids(second) == ["c", "d"]
    assert second.json()["page"] == {"has_more": True, "next_before": "c"}


def test_before_keeps_the_last_items_of_the_window(api, abcd):
    page = api.get("/v1/rooms?limit=2&before=d")
    assert ids(page) == ["b", "c"]
    assert page.json()["page"] == {"has_more": True, "next_before": "b", "next_after": "c"}
    first = api.get("/v1/rooms?before=b")
    assert ids(first) == ["a"]
    assert first.json()["page"] == {"has_more": True, "next_after": "a"}


def test_after_the_last_item_is_an_empty_page(api, abcd):
    page = api.get("/v1/rooms?after=d")
    assert page.json() == {"rooms": [], "page": {"has_more": True}}


@pytest.mark.parametrize(("limit", "count"), [("", 4), ("2", 2), (" 3 ", 3), ("0", 4), ("-5", 4), ("abc", 4),
                                              ("2.5", 4), ("1_0", 4), ("+1", 1), ("99999999999999999999", 4)])
def test_limit_parsing(api, abcd, limit, count):
    assert len(ids(api.get(f"/v1/rooms?limit={limit}"))) == count


def test_a_repeated_parameter_uses_its_first_value(api, abcd):
    # Go reads URL.Query().Get (the first value); Django's QueryDict.get would give the last.
    assert ids(api.get("/v1/rooms?limit=1&limit=3")) == ["a"]
    assert ids(api.get("/v1/rooms?after=c&after=nope")) == ["d"]


def test_limit_is_capped_at_500(api):
    for i in range(502):
        api.post("/v1/rooms", {"id": f"r{i:03d}"})
    assert len(ids(api.get("/v1/rooms?limit=1000"))) == 500
    assert len(ids(api.get("/v1/rooms"))) == 100


@pytest.mark.parametrize(("query", "error"), [
    ("before=a&after=b", "before and after cannot both be set"),
    ("after=-x", "after id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ("before=" + "x" * 129, "before id must be 128 characters or fewer"),
    ("after=zzz", 'invalid cursor "zzz"'),
])
def test_bad_page_params_are_422(api, abcd, query, error):
    response = api.get(f"/v1/rooms?{query}")
    assert response.status_code == 422
    assert response.json()["error"] == error


def test_blank_cursors_are_absent(api, abcd):
    assert ids(api.get("/v1/rooms?before=%20&after=")) == ["a", "b", "c", "d"]


def test_removed_rooms_are_never_listed(api, abcd):
    api.delete("/v1/rooms/b")
    assert ids(api.get("/v1/rooms")) == ["a", "c", "d"]
    assert api.get("/v1/rooms?after=b").status_code == 422
