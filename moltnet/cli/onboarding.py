"""Onboarding commands: `moltnet connect` and `moltnet register-agent` (docs/protocol/cli.md §6).

Under open registration the server shows a generated agent token exactly once, so both commands
persist it before doing anything else that could fail.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from moltnet.cli import mcp_runtimes, skills, wire
from moltnet.cli.flags import CliError, FlagSet, no_positional
from moltnet.client import clientconfig, skillfiles
from moltnet.client.clientconfig import ClientConfig, effective_mode, has_token_source
from moltnet.client.httpclient import Client

TOKEN_FLAGS = ("token", "token-env", "token-path")


def given_flags(flags: FlagSet, args: list[str]) -> set[str]:
    """Names of the flags that appear on the command line (Go's flag.Visit)."""
    seen: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--" or not arg.startswith("-") or arg == "-":
            break
        name = arg.lstrip("-")
        inline = "=" in name
        name = name.split("=", 1)[0]
        seen.add(name)
        flag = flags.flags.get(name)
        i += 1 if inline or (flag is not None and flag.kind is bool) else 2
    return seen


def _auth_flags(flags: FlagSet) -> FlagSet:
    flags.string("auth-mode", "none", "auth mode: none, bearer or open")
    flags.string("token", "", "bearer token")
    flags.string("token-env", "", "environment variable holding the token")
    flags.string("token-path", "", "file holding the token")
    return flags


def merge_auth(new: dict, existing: dict | None, given: set[str]) -> dict:
    """Connect step 7: which auth survives when the attachment already exists."""
    if existing is None:
        return new
    old = existing.get("auth") or {}
    if given & set(TOKEN_FLAGS):
        return new
    if "auth-mode" not in given:
        return dict(old)
    new_mode = effective_mode(new)
    if new_mode != effective_mode(old) and new_mode != "open":
        return new
    if not has_token_source(old):
        return new
    merged = dict(new)
    for key in ("token", "token_env", "token_path"):
        merged.pop(key, None)
        if old.get(key):
            merged[key] = old[key]
    return merged


def _compact(auth: dict) -> dict:
    return {k: v for k, v in auth.items() if v or k == "mode"}


def register(client: Client, member_id: str, name: str) -> dict:
    body = {k: v for k, v in (("requested_agent_id", member_id), ("name", name)) if v}
    return client.post("/v1/agents/register", body) or {}


def store_generated_token(auth: dict, token: str, base_dir: Path) -> None:
    """Keep a shown-once agent token: inline, or in the configured token file if it has none yet."""
    if (auth.get("mode") or "").strip() in ("", "none"):
        auth["mode"] = "open"
    if auth.get("token_env"):
        return
    if auth.get("token_path"):
        path = Path(auth["token_path"])
        path = path if path.is_absolute() else base_dir / path
        if not path.exists():
            write_token_file(path, token)
        return
    auth["token"] = token


def write_token_file(path: Path, token: str) -> None:
    """Atomic 0600 token file inside a 0700 directory (docs/protocol/node.md §6.3)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.parent / f".moltnet-token-{secrets.token_hex(6)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(token + "\n")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    os.chmod(path, 0o600)


def connect(args: list[str]) -> int:
    flags = _auth_flags(FlagSet("connect"))
    flags.string("workspace", ".", "runtime workspace root")
    flags.string("runtime", "openclaw", skills.RUNTIME_HELP)
    flags.string("base-url", "", "Moltnet server URL")
    flags.string("network-id", "", "network id")
    flags.string("member-id", "", "agent id on the network")
    flags.string("agent-name", "", "display name")
    flags.string("registration", "", "registration: disabled, token or open")
    flags.string("rooms", "", "comma-separated room ids")
    flags.boolean("enable-dms", False, "allow direct messages")
    flags.boolean("install-skill", True, "install the Moltnet skill for the runtime")
    flags.boolean("mcp", False, f"also register `moltnet mcp` with the runtime ({', '.join(mcp_runtimes.RUNTIMES)})")
    values, positional = flags.parse(args)
    no_positional("connect", positional)
    given = given_flags(flags, args)
    if values["mcp"]:
        mcp_runtimes.check_runtime(values["runtime"].strip())

    workspace = Path(values["workspace"])
    path = workspace / ".moltnet" / "config.json"
    config = clientconfig.load(path) if path.exists() else \
        clientconfig.new_config(path, values["agent-name"], values["runtime"])
    base_url, network_id, member_id = (values[k].strip() for k in ("base-url", "network-id", "member-id"))
    if not (base_url and network_id and member_id):
        raise CliError("connect requires --base-url, --network-id, and --member-id")

    registration = values["registration"].strip()
    auth_mode = values["auth-mode"].strip()
    if "registration" not in given and auth_mode == "open":
        registration = "open"
    if registration == "open" and "auth-mode" not in given:
        auth_mode = "bearer"
    auth = _compact({"mode": auth_mode, "registration": registration, "token": values["token"],
                     "token_env": values["token-env"].strip(), "token_path": values["token-path"].strip()})
    attachment: dict = {"agent_name": values["agent-name"], "auth": auth, "base_url": base_url,
                        "member_id": member_id, "network_id": network_id, "runtime": values["runtime"].strip()}
    rooms = [{"id": r.strip(), "wake": "never"} for r in values["rooms"].split(",") if r.strip()]
    if rooms:
        attachment["rooms"] = rooms
    if values["enable-dms"]:
        attachment["dms"] = {"enabled": True}
    attachment["auth"] = merge_auth(auth, config.find(network_id, member_id), given)
    config.upsert(attachment)
    _prevalidate(config, attachment)

    if (attachment["auth"].get("registration") or "") == "open":
        _claim(config, attachment, workspace)
    else:
        config.write()

    if values["install-skill"]:
        content = _skill_content(config, attachment)
        print("installed skill " + ", ".join(skillfiles.install(values["runtime"], values["workspace"], content)))
    print(f"wrote Moltnet client config {path}")
    if values["mcp"]:
        written, changed = mcp_runtimes.register(values["runtime"].strip(), workspace, path, network_id, member_id)
        print(f"{'registered' if changed else 'already registered'} MCP server moltnet in {written}")
    return 0


def _prevalidate(config: ClientConfig, attachment: dict) -> None:
    """Validate before any request; an open claim may still lack the token it is about to receive."""
    auth = attachment["auth"]
    if (auth.get("registration") or "") == "open" and not has_token_source(auth):
        auth["token"] = "pending"
        try:
            config.validate()
        finally:
            del auth["token"]
    else:
        config.validate()


def _claim(config: ClientConfig, attachment: dict, workspace: Path) -> None:
    """Open registration: claim the id, then persist the token before anything else."""
    auth = attachment["auth"]
    token = ""
    if has_token_source(auth) and not _token_file_pending(auth, config.base_dir):
        token = clientconfig.resolve_token(auth, config.base_dir)
    client = Client(attachment["base_url"], token)
    registered = register(client, attachment["member_id"], attachment.get("agent_name", ""))
    if registered.get("agent_token"):
        store_generated_token(auth, registered["agent_token"], config.base_dir)
    try:
        config.write()
    except (OSError, CliError) as exc:
        detail = exc if isinstance(exc, CliError) else f"{exc.strerror or exc}: {exc.filename}"
        raise CliError(f'agent "{registered.get("agent_id", "")}" was registered but its token could not be saved '
                       f"to {config.path}: {detail}") from None
    clientconfig.write_identity(workspace, registered)


def _token_file_pending(auth: dict, base_dir: Path) -> bool:
    """A configured token file that does not exist yet means "first claim pending" (as the node does)."""
    if auth.get("token") or auth.get("token_env") or not auth.get("token_path"):
        return False
    path = Path(auth["token_path"])
    return not (path if path.is_absolute() else base_dir / path).exists()


def _skill_content(config: ClientConfig, attachment: dict) -> str:
    try:
        token = clientconfig.resolve_token(attachment.get("auth") or {}, config.base_dir)
    except CliError:
        return skillfiles.bundled_skill()
    return skillfiles.server_skill(attachment["base_url"], token) or skillfiles.bundled_skill()


def register_agent(args: list[str]) -> int:
    flags = _auth_flags(FlagSet("register-agent"))
    flags.string("base-url", "", "Moltnet server URL")
    flags.string("agent", "", "requested agent id")
    flags.string("name", "", "display name")
    flags.string("config", "", "client config to read (and to store a generated token in)")
    flags.string("network", "", "network id")
    flags.string("workspace", ".", "where .moltnet/identity.json is written")
    flags.boolean("write-identity", True, "write .moltnet/identity.json")
    values, positional = flags.parse(args)
    no_positional("register-agent", positional)
    given = given_flags(flags, args)

    network = values["network"].strip()
    auth = _compact({"mode": values["auth-mode"].strip(), "token": values["token"].strip(),
                     "token_env": values["token-env"].strip(), "token_path": values["token-path"].strip()})
    attachment = {"base_url": values["base-url"].strip(), "member_id": values["agent"].strip(),
                  "agent_name": values["name"].strip(), "network_id": network, "auth": auth}
    config: ClientConfig | None = None
    if values["config"].strip() or not attachment["base_url"]:
        config = clientconfig.load(clientconfig.discover(values["config"]))
        try:
            found = config.select(network, attachment["member_id"])
        except CliError as first:
            if not attachment["member_id"]:
                raise
            try:
                found = config.select(network, "")
            except CliError:
                raise first from None
        for key in ("base_url", "member_id", "agent_name"):
            attachment[key] = attachment[key] or found.get(key, "")
        existing = {"auth": clientconfig.anchored_auth(found.get("auth") or {}, config.base_dir)}
        attachment["auth"] = merge_auth(auth, existing, given)
    if not attachment["base_url"]:
        raise CliError("register-agent requires --base-url or --config")

    mode = effective_mode(attachment["auth"])
    token = clientconfig.resolve_token(attachment["auth"], None, mode)
    target = None
    if config is not None and mode == "open" and not token:
        target = config.find(network, attachment["member_id"])
        if target is None:
            raise CliError(f'open registration needs a writable config attachment for network "{network}" '
                           f'and member "{attachment["member_id"]}"')
        clientconfig.check_writable(config.path)

    client = Client(attachment["base_url"], token if mode != "none" else "")
    registered = register(client, attachment["member_id"], attachment["agent_name"])
    generated = registered.get("agent_token") or ""
    if generated:
        if config is not None:
            target = target or config.find(network, attachment["member_id"])
            if target is None:
                raise CliError(f'no writable config attachment for network "{network}" '
                               f'and member "{attachment["member_id"]}"')
            target_auth = target.setdefault("auth", {"mode": ""})
            store_generated_token(target_auth, generated, config.base_dir)
            config.write()
        else:
            sys.stderr.write("warning: open agent token was not stored; save agent_token from the JSON output\n")
    if values["write-identity"]:
        clientconfig.write_identity(Path(values["workspace"]), registered)
    wire.emit(wire.registration(registered))
    return 0
