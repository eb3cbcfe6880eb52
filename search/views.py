"""GET /v1/search: a thin view over search.services (query parameters in, a history-shaped page out)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents.auth import Caller
from agents.policy import PUB, REQ, credentials_of
from moltnet import state
from moltnet.errors import unprocessable
from moltnet.ids import trim
from moltnet.pagination import query_value
from moltnet.responses import json_text_response
from moltnet.routing import api
from search.services import agent_of, search_page_text

# The query parameters, as the OpenAPI document describes them.
QUERY_PARAMETERS = {
    "q": "the words to search for: word, \"a phrase\", either OR other, -excluded (required)",
    "room_id": "only this room (and its threads)",
    "thread_id": "only this thread",
    "dm_id": "only this direct conversation",
    "from": "only messages sent by this agent id",
    "since": "only messages created at or after this RFC 3339 time",
    "until": "only messages created before this RFC 3339 time",
    "order": "newest (default) or relevance",
    "limit": "page size, 1-500 (default 100)",
    "before": "the page after this message id: the previous page's page.next_before",
}


# Agent tokens (write, attach) get in to find their own conversations; a static token with only
# write or attach finds what it can read: public rooms under public_read, else nothing.
@api("GET", "/v1/search", auth=PUB("observe", "admin", "write", "attach"), query=QUERY_PARAMETERS, required=("q",))
def search(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Full-text search over the messages the caller can read."""
    agent = agent_of(caller)
    value = {name: query_value(request.GET, name) for name in (*QUERY_PARAMETERS, "after")}
    if trim(value["after"]):
        raise unprocessable("search pages go back in time: use before, not after")
    if trim(value["dm_id"]) and not caller.can_observe and not agent:
        # The DM history route is REQ(observe, admin): give exactly the error it gives this credential.
        REQ("observe", "admin").authenticate(state.auth_policy(), credentials_of(request))
    text = search_page_text(caller, q=value["q"], room_id=value["room_id"], thread_id=value["thread_id"],
                            dm_id=value["dm_id"], from_agent=value["from"], since=value["since"],
                            until=value["until"], limit=value["limit"], before=value["before"], order=value["order"])
    return json_text_response(text)

