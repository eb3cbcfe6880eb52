"""Rules of a room declaration that need no database (docs/protocol/model.md §8.2).

Shared by the rooms API (`rooms.validation`) and the config file's declared rooms
(`moltnet.config.startable`), so a room the file declares is checked by the same words as one the
API creates. A base module: it imports only other base modules.
"""

from __future__ import annotations

from moltnet.gocompat import quote
from moltnet.ids import id_error, member_id_error, trim

MAX_IDS = 256
VISIBILITIES = ("", "private", "public")
WRITE_POLICIES = ("", "members", "registered_agents", "operators")


def dedupe(values: list[str]) -> list[str]:
    """Trimmed, non-blank values, first occurrence kept."""
    seen: dict[str, None] = {}
    for value in values:
        value = trim(value)
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def member_list_error(name: str, unique: list[str]) -> str | None:
    """What is wrong with a deduplicated member list called `name`, or None."""
    if len(unique) > MAX_IDS:
        return f"{name} must contain 256 IDs or fewer"
    for index, member in enumerate(unique):
        if err := member_id_error(member):
            return f"{name}[{index}] {err}"
    return None


def room_declaration_error(room_id: str, members: list[str], visibility: str, write_policy: str) -> str | None:
    """Spec 01 §8.2 without the 409 (existence is the store's concern)."""
    room_id = trim(room_id)
    if not room_id:
        return "room id is required"
    if err := id_error(room_id):
        return f"room id {err}"
    if err := member_list_error("members", dedupe(members)):
        return err
    if visibility not in VISIBILITIES:
        return f"unsupported room visibility {quote(visibility)}"
    if write_policy not in WRITE_POLICIES:
        return f"unsupported room write_policy {quote(write_policy)}"
    return None
