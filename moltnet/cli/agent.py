"""Agent-side commands: send, read, conversations, participants (docs/protocol/cli.md §4–§5).

Each command follows the spec's order of checks: flags → positional arguments → target syntax →
text → config discovery/load → attachment selection → token → local permission → HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from moltnet.cli import wire
from moltnet.cli.flags import CliError, FlagSet, guarded, no_positional
from moltnet.client import clientconfig
from moltnet.client.httpclient import Client, segment


@dataclass(frozen=True)
class Target:
    kind: str  # "room" or "dm"
    id: str


def parse_target(value: str) -> Target:
    value = value.strip()
    if ":" not in value:
        raise CliError("target must be room:<id> or dm:<id>")
    kind, target_id = value.split(":", 1)
    target_id = target_id.strip()
    if not target_id:
        raise CliError("target must be room:<id> or dm:<id>")
    if kind not in ("room", "dm"):
        raise CliError(f'unsupported target kind "{kind}"')
    return Target(kind, target_id)


def _flags(command: str, *, target: bool = True) -> FlagSet:
    flags = FlagSet(command)
    flags.string("config", "", "path to the Moltnet client config (default .moltnet/config.json)")
    flags.string("network", "", "network id of the attachment to use")
    flags.string("member", "", "member id of the attachment to use")
    if target:
        flags.string("target", "", "room:<id> or dm:<id>")
    return flags


@dataclass
class Session:
    """The selected attachment and a client authenticated as it."""

    attachment: dict
    client: Client

    @property
    def member(self) -> str:
        return self.attachment["member_id"]

    def check_target(self, target: Target) -> None:
        """Local permission check (docs/protocol/cli.md §4.1)."""
        if target.kind == "dm":
            if not (self.attachment.get("dms") or {}).get("enabled"):
                raise CliError(f'direct messages are not enabled for member "{self.member}"')
            return
        binding = next((r for r in self.attachment.get("rooms") or [] if r.get("id") == target.id), None)
        if binding is None:
            raise CliError(f'room "{target.id}" is not attached for member "{self.member}"')
        access = binding.get("access")
        # `access.can_write` is a plain bool in the file format: absent means false.
        if access is not None and not access.get("can_write"):
            reason = f': {access["reason"]}' if access.get("reason") else ""
            raise CliError(f'room "{target.id}" is read-only for member "{self.member}"{reason}')
        if binding.get("can_write") is False:
            raise CliError(f'room "{target.id}" is read-only for member "{self.member}"')


def open_session(values: dict) -> Session:
    config = clientconfig.load(clientconfig.discover(values["config"]))
    attachment = config.select(values["network"], values["member"])
    token = clientconfig.resolve_token(attachment.get("auth") or {}, config.base_dir)
    return Session(attachment, Client(attachment["base_url"], token))


def send(args: list[str]) -> int:
    flags = _flags("send")
    flags.string("text", "", "message text")
    values, positional = flags.parse(args)
    no_positional("send", positional)
    target = parse_target(values["target"])
    text = values["text"].strip()
    if not text:
        raise CliError("send requires --text")
    session = open_session(values)
    session.check_target(target)
    attachment = session.attachment
    if target.kind == "room":
        wire_target = {"kind": "room", "room_id": target.id}
    else:
        dm = session.client.get(f"/v1/dms/{segment(target.id)}") or {}
        wire_target = {"kind": "dm", "dm_id": dm.get("id") or target.id}
        if dm.get("participant_ids"):
            wire_target["participant_ids"] = dm["participant_ids"]
    sender = {"type": "agent", "id": attachment["member_id"]}
    if attachment.get("agent_name"):
        sender["name"] = attachment["agent_name"]
    sender["network_id"] = attachment["network_id"]
    body = {"target": wire_target, "from": sender, "parts": [{"kind": "text", "text": text}]}
    wire.emit(wire.accepted(session.client.post("/v1/messages", body)))
    return 0


def read(args: list[str]) -> int:
    flags = _flags("read")
    flags.integer("limit", 20, "number of messages")
    values, positional = flags.parse(args)
    no_positional("read", positional)
    target = parse_target(values["target"])
    session = open_session(values)
    session.check_target(target)
    query = {"limit": values["limit"]} if values["limit"] > 0 else None
    collection = "rooms" if target.kind == "room" else "dms"
    page = session.client.get(f"/v1/{collection}/{segment(target.id)}/messages", query)
    wire.emit(wire.message_page(page))
    return 0


def participants(args: list[str]) -> int:
    values, positional = _flags("participants").parse(args)
    no_positional("participants", positional)
    target = parse_target(values["target"])
    session = open_session(values)
    session.check_target(target)
    if target.kind == "room":
        wire.emit(wire.room(session.client.get(f"/v1/rooms/{segment(target.id)}")))
    else:
        wire.emit(wire.direct(session.client.get(f"/v1/dms/{segment(target.id)}")))
    return 0


def conversations(args: list[str]) -> int:
    values, positional = _flags("conversations", target=False).parse(args)
    no_positional("conversations", positional)
    session = open_session(values)
    attachment = session.attachment
    bound = {r.get("id") for r in attachment.get("rooms") or []}
    listed = (session.client.get("/v1/rooms") or {}).get("rooms") or []
    rooms = sorted((r for r in listed if isinstance(r, dict) and r.get("id") in bound),
                   key=lambda r: str(r.get("id")).encode())
    dms = []
    if (attachment.get("dms") or {}).get("enabled"):
        dms = (session.client.get("/v1/dms") or {}).get("dms") or []
    view: dict = {}
    if dms:
        view["dms"] = [wire.direct(d) for d in dms]
    view["member_id"] = attachment["member_id"]
    view["network_id"] = attachment["network_id"]
    if rooms:
        view["rooms"] = [wire.room(r) for r in rooms]
    wire.emit(view)
    return 0


def _lazy(name: str) -> Callable[[list[str]], int]:
    """Commands from sibling modules, imported only when run."""

    def run(args: list[str]) -> int:
        module, func = name.rsplit(".", 1)
        return getattr(__import__(module, fromlist=[func]), func)(args)

    return run


COMMANDS = {name: guarded(command) for name, command in {
    "send": send,
    "read": read,
    "conversations": conversations,
    "participants": participants,
    "connect": _lazy("moltnet.cli.onboarding.connect"),
    "register-agent": _lazy("moltnet.cli.onboarding.register_agent"),
    "skill": _lazy("moltnet.cli.skills.skill_command"),
    "update": _lazy("moltnet.cli.update.update"),
}.items()}
