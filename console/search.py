"""The console's search page: /console/search/?q=… calls search.services with the console's Caller.

Server-rendered (no script): the results, each with its snippet and a link that opens the message's
room, thread or DM in the live view. Who may use it is who may open the live view; what they find
is what the API would give the same credential.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from console import access
from console.views import analytics_id, login_page
from moltnet import state
from moltnet.errors import ApiError
from search.services import search_messages

PAGE_SIZE = 20


def highlighted(snippet: str) -> SafeString:
    """The snippet as HTML: escaped, with each `[[match]]` in a <mark>."""
    return mark_safe(escape(snippet).replace("[[", "<mark>").replace("]]", "</mark>"))  # noqa: S308 - escaped above


def message_link(message: dict) -> tuple[str, str]:
    """(live view link, label): the message's room, thread or DM, opened at the message.

    `?message=` is read by search-focus.js, which loads older pages until the message is shown.
    """
    target = message.get("target") or {}
    kind = target.get("kind", "")
    at = "/console/?" + urlencode({"message": message.get("id", "")})
    if kind == "thread":
        thread, room = target.get("thread_id", ""), target.get("room_id", "")
        return f"{at}#thread/{quote(thread)}", f"thread {thread} in {room}"
    if kind == "dm":
        return f"{at}#dm/{quote(target.get('dm_id', ''))}", f"DM {target.get('dm_id', '')}"
    return f"{at}#room/{quote(target.get('room_id', ''))}", f"room {target.get('room_id', '')}"


def search_page(request: HttpRequest) -> HttpResponse:
    who = access.resolve(request)
    if not who.can_view_live:
        return login_page(request, status=who.refusal_status)
    q = request.GET.get("q", "").strip()
    room = request.GET.get("room_id", "").strip()
    order = request.GET.get("order", "newest")
    before = request.GET.get("before", "").strip()
    results, error, page = [], "", {}
    if q:
        try:
            body = search_messages(who.caller, q=q, room_id=room or None, order=order, limit=PAGE_SIZE,
                                   before=before or None)
        except ApiError as exc:
            error = exc.message
        else:
            page = body["page"]
            for message in body["messages"]:
                link, label = message_link(message)
                sender = message.get("from") or {}
                results.append({"id": message["id"], "link": link, "where": label,
                                "sender": sender.get("name") or sender.get("id", ""),
                                "created_at": message["created_at"], "snippet": highlighted(message["snippet"])})
    return render(request, "console/search.html", {
        "network_name": state.config().network_name, "who": who, "q": q, "room_id": room, "order": order,
        "results": results, "error": error, "page": page, "analytics_id": analytics_id(),
    }, status=400 if error.startswith("q ") else 200)
