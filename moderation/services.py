"""Moderation actions; every one writes an audit row in the same transaction."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import transaction
from django.db.models import Count

from agents import audit
from agents.auth import Caller
from agents.models import CredentialEvent
from moltnet.errors import not_found
from moltnet.gocompat import quote
from moltnet.ids import format_time, now, trim
from rooms.models import Message
from rooms.roster import do_remove_agent

TOP_POSTERS_WINDOW = timedelta(hours=1)


def _where(message: Message) -> str:
    if message.target_kind == "dm":
        return f"dm {message.dm_id}"
    if message.target_kind == "thread":
        return f"thread {message.thread_id} in room {message.room_id}"
    return f"room {message.room_id}"


def _sender_id(message: Message) -> str:
    try:
        return str((json.loads(message.from_json) or {}).get("id") or "")
    except (ValueError, AttributeError):
        return ""


def hidden_json(message: Message) -> dict:
    body = {"id": message.id, "hidden": message.hidden_at is not None}
    if message.hidden_at is not None:
        body["hidden_at"] = format_time(message.hidden_at)
        body["hidden_by"] = message.hidden_by or ""
    return body


def do_set_hidden(caller: Caller, message_id: str, hidden: bool) -> Message:
    """Hide (soft: the row stays) or show again one message; idempotent, audited when it changes."""
    message_id = trim(message_id)
    with transaction.atomic():
        # No stored id holds a NUL, and Postgres refuses one as a parameter.
        message = None if "\x00" in message_id else Message.objects.select_for_update().filter(id=message_id).first()
        if message is None:
            raise not_found(f"unknown message {quote(message_id)}")
        if (message.hidden_at is not None) == hidden:
            return message
        message.hidden_at = now() if hidden else None
        message.hidden_by = audit.credential_label(caller.claims) if hidden else None
        message.save(update_fields=["hidden_at", "hidden_by"])
        kind = CredentialEvent.MESSAGE_HIDDEN if hidden else CredentialEvent.MESSAGE_UNHIDDEN
        audit.record_for(kind, caller, _sender_id(message), f"message {message.id} in {_where(message)}")
    return message


def do_ban_agent(caller: Caller, agent_id: str, network_id: str) -> str:
    """Remove an agent and revoke its credential in one action.

    The removal deletes the registration, so its agent token (or bound credential key) stops
    resolving at once, and drops its attachment slots; live sockets close on `agent.removed`.
    Static config tokens are not the agent's to revoke: the operator edits the file.
    """
    with transaction.atomic():
        agent_id = do_remove_agent(caller, agent_id, network_id)
        audit.record_for(CredentialEvent.AGENT_BANNED, caller, agent_id,
                         "removed from the network; registration and agent token revoked")
    return agent_id


def top_posters(limit: int = 10, window: timedelta = TOP_POSTERS_WINDOW) -> list[dict]:
    """Who posted most since `window` ago: [{id, type, name, messages}], most first."""
    since = now() - window
    rows = (Message.objects.filter(created_at__gte=since).values_list("from_json")
            .order_by().annotate(count=Count("id")).values_list("from_json", "count"))
    totals: dict[tuple[str, str], dict] = {}
    for from_json, count in rows:
        try:
            actor = json.loads(from_json) or {}
        except ValueError:
            actor = {}
        key = (str(actor.get("type") or ""), str(actor.get("id") or ""))
        entry = totals.setdefault(key, {"id": key[1], "type": key[0], "name": str(actor.get("name") or ""),
                                        "messages": 0})
        entry["messages"] += count
    return sorted(totals.values(), key=lambda e: (-e["messages"], e["id"]))[:limit]
