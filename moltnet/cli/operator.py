"""Operator commands against a running server: `moltnet apply` and `moltnet admin …` (docs/protocol/cli.md §8.5, §8.6).

Both need an admin-scoped bearer token; `apply` is the declarative path, `admin` the imperative one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from moltnet.cli import wire
from moltnet.cli.flags import CliError, FlagSet, guarded, no_positional
from moltnet.client import clientconfig
from moltnet.client.httpclient import Client, segment

ADMIN_USAGE = """Usage:
  moltnet admin agent remove --agent <id> --base-url <url> --token-env <env>
  moltnet admin agent rotate-token --agent <id> --base-url <url> --token-env <env>
  moltnet admin room remove --room <id> --base-url <url> --token-env <env>
  moltnet admin room members add --room <id> --member <id> [--member <id>] --base-url <url> --token-env <env>
  moltnet admin room members remove --room <id> --member <id> [--member <id>] --base-url <url> --token-env <env>

Admin commands need a bearer token with the admin scope (--token, --token-env or --token-path,
or a client config via --config). `moltnet apply` is the declarative alternative: it reconciles
the rooms and agent bindings of a Moltnet file.
"""

# Two-dash spellings that consume the next argument during apply's pre-scan (docs/protocol/cli.md §8.5).
APPLY_VALUE_FLAGS = ("--auth-mode", "--base-url", "--config", "--member", "--network", "--token", "--token-env",
                     "--token-path")


def credential_flags(command: str, *, member_selector: bool = True) -> FlagSet:
    flags = FlagSet(command)
    flags.string("base-url", help="Moltnet server URL")
    flags.string("auth-mode", "none", help="auth mode: none, bearer or open")
    flags.string("token", help="admin bearer token")
    flags.string("token-env", help="environment variable holding the admin token")
    flags.string("token-path", help="file holding the admin token")
    flags.string("config", help="client config to take the URL and credentials from")
    flags.string("network", help="network selector for --config")
    if member_selector:
        flags.string("member", help="member selector for --config")
    return flags


def parse_credentials(flags: FlagSet, args: list[str]) -> tuple[dict, set[str], list[str]]:
    """(values, flags given on the command line, positional) — `given` drives the auth merge."""
    # Imported when this command runs: every `moltnet` run loads each command's module, so what only
    # one command needs is loaded by that command (start-up stays quick; see moltnet.cli._commands).
    from moltnet.cli.onboarding import given_flags

    values, positional = flags.parse(args)
    return values, given_flags(flags, args), positional


def resolve_client(values: dict, given: set[str], *, member_selector: bool = True) -> Client:
    """Build the attachment from flags, fill blanks from a client config, resolve the token (§8.6)."""
    # Imported when this command runs: every `moltnet` run loads each command's module, so what only
    # one command needs is loaded by that command (start-up stays quick; see moltnet.cli._commands).
    from moltnet.cli.onboarding import merge_auth

    auth = {key: values[flag].strip() for key, flag in (("mode", "auth-mode"), ("token", "token"),
                                                        ("token_env", "token-env"), ("token_path", "token-path"))}
    auth = {key: value for key, value in auth.items() if value or key == "mode"}
    base_url = values["base-url"].strip()
    explicit = values["config"].strip()
    if explicit or not base_url:
        try:
            path: Path | None = clientconfig.discover(explicit)
        except CliError:
            if explicit:  # an explicit --config must exist; only a discovered one may be absent
                raise
            path = None
        if path is not None:
            config = clientconfig.load(path)
            member = values.get("member", "") if member_selector else ""
            chosen = config.select(values["network"], member)
            base_url = base_url or (chosen.get("base_url") or "").strip()
            existing = {"auth": clientconfig.anchored_auth(chosen.get("auth") or {}, config.base_dir)}
            auth = merge_auth(auth, existing, given)  # the rules of `connect` step 7
    if not base_url:
        raise CliError("admin command requires --base-url or --config")
    mode = (auth.get("mode") or "").strip()
    if mode in ("", "none") and clientconfig.has_token_source(auth):
        mode = "bearer"
    if mode not in ("", "none", "bearer", "open"):
        raise CliError(f'unsupported auth.mode "{mode}"')
    return Client(base_url, clientconfig.resolve_token(auth, None, mode or "none"))


# --- apply ------------------------------------------------------------------------------------

def split_apply_args(args: list[str]) -> tuple[list[str], str]:
    """Pre-scan: value flags take the next argument; the first bare argument is the config path."""
    flag_args: list[str] = []
    path = ""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in APPLY_VALUE_FLAGS:
            if i + 1 >= len(args):
                raise CliError(f"flag {arg} requires a value")
            flag_args += [arg, args[i + 1]]
            i += 2
            continue
        if arg.startswith("-"):
            flag_args.append(arg)
        elif path:
            raise CliError("apply accepts at most one config path")
        else:
            path = arg
        i += 1
    return flag_args, path


def build_apply_request(path: Path) -> dict:
    """The ApplyConfigRequest for a Moltnet file; token values never leave this process."""
    # Imported when this command runs: every `moltnet` run loads each command's module, so what only
    # one command needs is loaded by that command (start-up stays quick; see moltnet.cli._commands).
    from moltnet.config import ConfigError, load_file
    from moltnet.startup import declared_bindings

    try:
        cfg = load_file(path)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    try:
        bindings = declared_bindings(cfg)
    except ConfigError as exc:
        raise CliError(f'build apply request from "{path}": {exc}') from None
    rooms = [{k: v for k, v in (("id", r.id), ("name", r.name), ("members", r.members), ("visibility", r.visibility),
                                ("write_policy", r.write_policy)) if v} for r in cfg.rooms]
    body: dict = {"network_id": cfg.network_id, "rooms": rooms}
    body["agents"] = [{"id": agent, "credential_key": key} for agent, key in bindings]
    return body


def find_server_config(path: str) -> Path:
    # Imported when this command runs: every `moltnet` run loads each command's module, so what only
    # one command needs is loaded by that command (start-up stays quick; see moltnet.cli._commands).
    from moltnet.config import ConfigError, locate_config

    if path:
        return Path(path)
    try:
        found = locate_config()
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    if found is None:
        raise CliError("moltnet config not found")
    return found


def apply(args: list[str]) -> int:
    flag_args, path = split_apply_args(args)
    values, given, positional = parse_credentials(credential_flags("apply"), flag_args)
    if positional:  # only reachable through "--"
        raise CliError("apply accepts at most one config path")
    body = build_apply_request(find_server_config(path))
    result = resolve_client(values, given).post("/v1/apply", body)
    out: dict = {"applied": bool((result or {}).get("applied"))}
    if (result or {}).get("rooms"):
        out["rooms"] = [wire.room(r) for r in result["rooms"]]
    if (result or {}).get("agents"):
        out["agents"] = [wire.registration(a) for a in result["agents"]]
    wire.emit(out)
    return 0


# --- admin ------------------------------------------------------------------------------------

def remove_result(data: dict | None) -> dict:
    data = data or {}
    return {"removed": bool(data.get("removed")), "kind": str(data.get("kind") or ""),
            "id": str(data.get("id") or ""), "mode": str(data.get("mode") or "")}


def _usage_error(message: str) -> CliError:
    return CliError(f"{message}\n\n{ADMIN_USAGE}")


def _print_usage() -> int:
    sys.stdout.write(ADMIN_USAGE)
    return 0


def admin_agent(action: str, args: list[str]) -> int:
    command = f"admin agent {action}"
    flags = credential_flags(command).string("agent", help="agent id")
    values, given, positional = parse_credentials(flags, args)
    no_positional(command, positional)
    agent = values["agent"].strip()
    if not agent:
        raise CliError(f"{command} requires --agent")
    client = resolve_client(values, given)
    if action == "remove":
        wire.emit(remove_result(client.request("DELETE", f"/v1/agents/{segment(agent)}")))
    else:
        wire.emit(wire.registration(client.request("POST", f"/v1/agents/{segment(agent)}/token", body={})))
    return 0


def admin_room_remove(args: list[str]) -> int:
    command = "admin room remove"
    values, given, positional = parse_credentials(credential_flags(command).string("room", help="room id"), args)
    no_positional(command, positional)
    room = values["room"].strip()
    if not room:
        raise CliError(f"{command} requires --room")
    wire.emit(remove_result(resolve_client(values, given).request("DELETE", f"/v1/rooms/{segment(room)}")))
    return 0


def admin_room_members(action: str, args: list[str]) -> int:
    command = f"admin room members {action}"
    flags = credential_flags(command, member_selector=False).string("room", help="room id")
    flags.repeated("member", help="member id to change (repeatable, comma-separated)")
    values, given, positional = parse_credentials(flags, args)
    no_positional(command, positional)
    room = values["room"].strip()
    if not room:
        raise CliError(f"{command} requires --room")
    members = [m.strip() for value in values["member"] for m in value.split(",") if m.strip()]
    if not members:
        raise CliError(f"{command} requires --member")
    client = resolve_client(values, given, member_selector=False)
    result = client.request("PATCH", f"/v1/rooms/{segment(room)}/members", body={action: members})
    wire.emit(wire.room(result))
    return 0


def admin(args: list[str]) -> int:
    """Dispatch `admin agent|room …`; help words print the admin usage and succeed."""
    words = list(args)
    helpish = ("help", "-h", "--help", "-help")
    if not words or words[0] in helpish:
        return _print_usage()
    group = words.pop(0)
    if group == "agent":
        if not words or words[0] in helpish:
            return _print_usage()
        action = words.pop(0)
        if action not in ("remove", "rotate-token"):
            raise _usage_error(f'unknown admin agent command "{action}"')
        return admin_agent(action, words)
    if group == "room":
        if not words or words[0] in helpish:
            return _print_usage()
        action = words.pop(0)
        if action == "remove":
            return admin_room_remove(words)
        if action != "members":
            raise _usage_error(f'unknown admin room command "{action}"')
        if not words or words[0] in helpish:
            return _print_usage()
        sub = words.pop(0)
        if sub not in ("add", "remove"):
            raise _usage_error(f'unknown admin room members command "{sub}"')
        return admin_room_members(sub, words)
    raise _usage_error(f'unknown admin command "{group}"')


COMMANDS = {"apply": guarded(apply), "admin": guarded(admin)}
