"""Text rendered for runtimes and conversation identity (docs/protocol/node.md §9, §10)."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

BOOTSTRAP_LINE = "Moltnet conversation attached. Use the `moltnet` skill in this conversation."
BATCH_SENTENCE = ("These messages arrived while the runtime was already busy; review them in order and respond "
                  "at most once if appropriate.")


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def _d(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def sender_name(message: dict) -> str:
    sender = _d(message.get("from"))
    return _s(sender.get("name")).strip() or _s(sender.get("id"))


def actor_address(network_id: str, message: dict) -> str:
    sender = _d(message.get("from"))
    fqid = _s(sender.get("fqid")).strip()
    if fqid:
        return fqid
    parts = [p.strip() for p in (network_id, _s(sender.get("type")), _s(sender.get("id"))) if p.strip()]
    return "/".join(parts) if parts else sender_name(message)


def _target_ids(target: dict) -> tuple[str, str, str, str]:
    return (_s(target.get("kind")), _s(target.get("room_id")).strip(), _s(target.get("dm_id")).strip(),
            _s(target.get("thread_id")).strip())


def _conversation(target: dict) -> str:
    """`room:<id>`, `dm:<id>` or `thread:<id>` for a target that names its conversation, else ""."""
    kind, room, dm, thread = _target_ids(_d(target))
    ident = {"room": room, "dm": dm, "thread": thread}.get(kind, "")
    return f"{kind}:{ident}" if ident else ""


def chat_id(network_id: str, target: dict, message_id: str = "") -> str:
    message_id = message_id.strip()
    key = _conversation(target) or (f"message:{message_id}" if message_id else "")
    return f"{network_id}:{key}" if key else network_id


def context_id(network_id: str, target: dict, message_id: str = "") -> str:
    """`moltnet:<net>:<kind>:<id>`; threads are their own conversation (docs/protocol/node.md §10)."""
    key = _conversation(target) or message_id.strip()
    return f"moltnet:{network_id}:{key}" if key else ""


def session_suffix(context: str) -> str:
    """`X` of docs/protocol/node.md §10: the context id without `moltnet:`, or `main`."""
    return context.removeprefix("moltnet:") if context else "main"


def openclaw_session_key(context: str) -> str:
    return f"agent:main:moltnet:{session_suffix(context)}"


def picoclaw_session_id(agent_id: str, context: str) -> str:
    return f"agent:{agent_id}:{session_suffix(context)}"


def cli_session_key(prefix: str, agent_id: str, context: str) -> str:
    return f"{prefix.strip() or f'agent:{agent_id}'}:{session_suffix(context)}"


def tinyclaw_sender_id(target: dict) -> str:
    target = _d(target)
    kind, room, dm, thread = _target_ids(target)
    if kind == "room":
        return f"room:{room}"
    if kind == "dm":
        return f"dm:{dm}"
    if kind == "thread":
        if not room:
            raise ValueError("thread target requires room_id")
        parent = _s(target.get("parent_message_id")).strip()
        return f"thread:{quote_plus(room)}:{quote_plus(thread)}:{quote_plus(parent)}"
    return ""


def body_lines(message: dict) -> list[str]:
    lines = []
    for part in message.get("parts") or []:
        part = _d(part)
        kind = _s(part.get("kind"))
        if kind == "text" and _s(part.get("text")).strip():
            lines.append(_s(part.get("text")).strip())
        elif kind == "url" and _s(part.get("url")).strip():
            lines.append(_s(part.get("url")).strip())
        elif kind == "data":
            files = _d(part.get("data")).get("files")
            if isinstance(files, list):
                names = [f.strip() for f in files if isinstance(f, str) and f.strip()]
                if names:
                    lines.append("files: " + ", ".join(names))
    return lines


def body(message: dict) -> str:
    return "\n".join(body_lines(message)).strip()


def compact_message(network_id: str, message: dict, *, header: bool = True) -> str:
    """Spec 09 §9.3."""
    message_id = _s(message.get("id")).strip()
    lines = []
    if header:
        lines += ["Channel: moltnet", f"Chat ID: {chat_id(network_id, _d(message.get('target')), message_id)}"]
    lines += [f"From: {actor_address(network_id, message)}", f"Name: {sender_name(message)}"]
    mentions = [m for m in message.get("mentions") or [] if isinstance(m, str)]
    if mentions:
        lines.append("Mentions: " + ", ".join(mentions))
    if message_id:
        lines.append(f"Message ID: {message_id}")
    lines += ["", "Message:", body(message)]
    return "\n".join(lines)


def compact_bootstrap(network_id: str, room_id: str) -> str:
    return f"Channel: moltnet\nChat ID: {network_id}:room:{room_id}\n\n{BOOTSTRAP_LINE}"


def queued_batch(network_id: str, messages: list[dict]) -> str:
    """Spec 09 §9.5; one message uses the normal compact form."""
    if len(messages) == 1:
        return compact_message(network_id, messages[0])
    first = messages[0]
    count = len(messages)
    lines = ["Channel: moltnet",
             f"Chat ID: {chat_id(network_id, _d(first.get('target')), _s(first.get('id')))}",
             f"Queued messages: {count}", BATCH_SENTENCE]
    for index, message in enumerate(messages, 1):
        lines += ["", f"--- Message {index}/{count} ---", compact_message(network_id, message, header=False)]
    return "\n".join(lines)


def legacy_text(message: dict) -> str:
    """Spec 09 §9.6 (control URL seam)."""
    lines = body_lines(message)
    if not lines:
        return ""
    target = _d(message.get("target"))
    kind, room, _dm, thread = _target_ids(target)
    name = sender_name(message)
    prefix = {"room": f"[room {_s(target.get('room_id'))}] {name}", "dm": f"[dm] {name}",
              "thread": f"[thread {_s(target.get('thread_id'))}] {name}"}.get(kind, name)
    return "\n".join([prefix, *lines]).strip()


def control_bootstrap(network_id: str, room_id: str) -> str:
    """Spec 09 §9.7: the control-URL bootstrap text with its JSON marker line."""
    marker = json.dumps({"kind": "bootstrap", "source": "moltnet", "network_id": network_id,
                         "conversation": f"moltnet:{network_id}:room:{room_id}",
                         "target": {"kind": "room", "room_id": room_id}}, separators=(",", ":"))
    return (
        "Moltnet bootstrap delivery.\n"
        "This is a live wake for the attached Moltnet conversation. You may stay silent, but if your own "
        "instructions define a startup action for an empty room, execute that startup action now instead of "
        "waiting for someone else to speak.\n"
        "The Moltnet CLI is already installed. Do not reply with a status summary.\n"
        "Nothing is sent automatically: to speak you must run the sending command yourself. Local instructions "
        "about private coordination take precedence.\n"
        "Read recent history for the attached target first, and start an empty room if your instructions say so.\n"
        "If you speak, use `moltnet send --target ... --text ...` through your exec tool with an explicit target.\n"
        "\n" + marker
    )
