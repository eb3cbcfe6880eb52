"""The workspace client config `.moltnet/config.json` and identity file (docs/protocol/cli.md §2, §3).

The file format is shared with the Go CLI: field names, key order, omitted empties and the
private-file rules must match so either CLI can read what the other wrote.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from moltnet.client.configschema import decode_config, encode_config
from moltnet.gocompat.flags import CliError
from moltnet.ids import id_error, member_id_error

VERSION_V1 = "moltnet.client.v1"
LEGACY_VERSION = "spawnfile.moltnet-http-skill.v1"
DEFAULT_PATH = ".moltnet/config.json"
LEGACY_PATH = ".spawnfile/moltnet.json"
IDENTITY_VERSION = "moltnet.identity.v1"
WAKE_VALUES = ("", "all", "mentions", "thread_only", "never")

@dataclass
class ClientConfig:
    """A loaded (or new) client config; `path` is where it lives."""

    data: dict
    path: Path

    @property
    def attachments(self) -> list[dict]:
        return self.data.setdefault("attachments", [])

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def validate(self) -> None:
        validate(self.data)

    def select(self, network: str = "", member: str = "") -> dict:
        return select_attachment(self.attachments, network, member)

    def find(self, network: str, member: str) -> dict | None:
        return next((a for a in self.attachments if a.get("network_id") == network
                     and a.get("member_id") == member), None)

    def upsert(self, attachment: dict) -> None:
        agent = self.data.setdefault("agent", {})
        if not agent.get("name") and attachment.get("agent_name"):
            agent["name"] = attachment["agent_name"]
        if not agent.get("runtime") and attachment.get("runtime"):
            agent["runtime"] = attachment["runtime"]
        for index, existing in enumerate(self.attachments):
            if existing.get("network_id") == attachment.get("network_id") and \
                    existing.get("member_id") == attachment.get("member_id"):
                self.attachments[index] = attachment
                return
        self.attachments.append(attachment)

    def render(self) -> str:
        data = encode_config(self.data)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def write(self) -> None:
        """Validate, then write atomically with 0600 inside a 0700 directory (docs/protocol/cli.md §2.4)."""
        self.validate()
        check_writable(self.path)
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = directory / f".config-{secrets.token_hex(6)}.json"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(self.render())
            os.replace(temp, self.path)
        finally:
            temp.unlink(missing_ok=True)
        os.chmod(self.path, 0o600)


def check_writable(path: Path) -> None:
    if path.is_symlink():
        raise CliError(f'moltnet client config "{path}" must not be a symlink when writing tokens')
    if path.is_dir():
        raise CliError(f'moltnet client config "{path}" is a directory')


def new_config(path: Path, agent_name: str = "", runtime: str = "") -> ClientConfig:
    agent = {k: v for k, v in (("name", agent_name), ("runtime", runtime)) if v}
    return ClientConfig({"version": VERSION_V1, "agent": agent, "attachments": []}, path)


def effective_mode(auth: dict) -> str:
    mode = (auth.get("mode") or "").strip()
    if mode:
        return mode
    if any((auth.get(k) or "").strip() for k in ("token", "token_env", "token_path")):
        return "bearer"
    return "none"


def has_token_source(auth: dict) -> bool:
    return any((auth.get(k) or "").strip() for k in ("token", "token_env", "token_path"))


def _validate_attachment(a: dict) -> None:
    if not (a.get("base_url") or "").strip():
        raise CliError("base_url is required")
    if not (a.get("network_id") or "").strip():
        raise CliError("network_id is required")
    if not (a.get("member_id") or "").strip():
        raise CliError("member_id is required")
    if err := member_id_error(a["member_id"].strip()):
        raise CliError(f"member_id {err}")
    for index, room in enumerate(a.get("rooms") or []):
        room_id = (room.get("id") or "").strip()
        if not room_id:
            raise CliError(f"rooms[{index}].id is required")
        if err := id_error(room_id):
            raise CliError(f"rooms[{index}].id room id {err}")
        if (room.get("wake") or "").strip() not in WAKE_VALUES:
            raise CliError(f'rooms[{index}].wake "{room.get("wake")}" is unsupported')
    dms = a.get("dms")
    if dms is not None and (dms.get("wake") or "").strip() not in WAKE_VALUES:
        raise CliError(f'dms.wake "{dms.get("wake")}" is unsupported')
    auth = a.get("auth") or {}
    mode = (auth.get("mode") or "").strip()
    if mode not in ("", "none", "bearer", "open"):
        raise CliError(f'unsupported auth.mode "{auth.get("mode")}"')
    registration = (auth.get("registration") or "").strip()
    if registration not in ("", "disabled", "token", "open"):
        raise CliError(f'unsupported auth.registration "{auth.get("registration")}"')
    if mode == "bearer" and not has_token_source(auth):
        raise CliError("auth.token, auth.token_env, or auth.token_path is required for bearer auth")


def validate(data: dict) -> None:
    version = (data.get("version") or "").strip()
    if version not in ("", VERSION_V1, LEGACY_VERSION):
        raise CliError(f'unsupported Moltnet client version "{version}"')
    attachments = data.get("attachments") or []
    if not attachments:
        raise CliError("attachments must contain at least one entry")
    seen: set[tuple[str, str]] = set()
    for index, attachment in enumerate(attachments):
        try:
            _validate_attachment(attachment)
        except CliError as exc:
            raise CliError(f"attachments[{index}]: {exc}") from None
        key = (attachment["network_id"], attachment["member_id"])
        if key in seen:
            raise CliError(f'duplicate attachment for network "{key[0]}" and member "{key[1]}"')
        seen.add(key)


def load(path: Path) -> ClientConfig:
    """Read, strictly decode, validate and apply the private-file rule."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CliError(f"read Moltnet client config: open {path}: {os_cause(exc)}") from None
    try:
        data = decode_config(raw)
    except CliError as exc:
        raise CliError(f"decode Moltnet client config: {exc}") from None
    config = ClientConfig(data, path)
    config.validate()
    if any((a.get("auth") or {}).get("token", "").strip() for a in config.attachments):
        _check_private(path)
    return config


def os_cause(exc: OSError) -> str:
    """An OS error the way Go prints it: `no such file or directory`."""
    return (exc.strerror or str(exc)).lower()


def _check_private(path: Path) -> None:
    try:
        info = path.lstat()
    except OSError as exc:
        raise CliError(f'stat Moltnet client config "{path}": {exc.strerror or exc}') from None
    if stat.S_ISLNK(info.st_mode):
        raise CliError(f'moltnet client config "{path}" must not be a symlink when tokens are present')
    if info.st_mode & 0o077:
        raise CliError(f'moltnet client config "{path}" must not be group/world readable when tokens are present')


def discover(explicit: str = "") -> Path:
    """`--config`, then MOLTNET_CLIENT_CONFIG, then the workspace defaults (docs/protocol/cli.md §2.5)."""
    for value in (explicit.strip(), os.environ.get("MOLTNET_CLIENT_CONFIG", "").strip()):
        if value:
            path = Path(value)
            try:
                is_dir = path.stat() and path.is_dir()
            except OSError as exc:
                raise CliError(f"stat {value}: {os_cause(exc)}") from None
            if is_dir:
                raise CliError(f'moltnet client config "{value}" is a directory')
            return path
    for candidate in (DEFAULT_PATH, LEGACY_PATH):
        path = Path(candidate)
        if path.is_dir():
            raise CliError(f'moltnet client config "{candidate}" is a directory')
        if path.exists():
            return path
    raise CliError("moltnet client config not found")


def select_attachment(attachments: list[dict], network: str = "", member: str = "") -> dict:
    network, member = network.strip(), member.strip()
    if len(attachments) == 1 and not network and not member:
        return attachments[0]
    matches = [a for a in attachments if (not network or a.get("network_id") == network)
               and (not member or a.get("member_id") == member)]
    if len(matches) == 1 and (network or member):
        return matches[0]
    if not matches:
        if network and member:
            raise CliError(f'no Moltnet attachment configured for network "{network}" and member "{member}"')
        if network:
            raise CliError(f'no Moltnet attachment configured for network "{network}"')
        if member:
            raise CliError(f'no Moltnet attachment configured for member "{member}"')
    if network and not member:
        raise CliError(f'multiple Moltnet attachments are configured for network "{network}"; --member is required')
    if member and not network:
        raise CliError(f'multiple Moltnet attachments are configured for member "{member}"; --network is required')
    raise CliError("multiple Moltnet attachments are configured; --network is required")


def token_file_problem(path: object, mode: int) -> str:
    """Why a token file of lstat mode `mode` may not be used (docs/protocol/node.md §6.3), or "" when it may.

    Shared with the node's token sources, which give the same texts.
    """
    if stat.S_ISLNK(mode):
        return f'moltnet token_path "{path}" must not be a symlink'
    if stat.S_ISDIR(mode):
        return f'moltnet token_path "{path}" must be a file'
    if mode & 0o077:
        return f'moltnet token_path "{path}" must not be group/world readable'
    return ""


def read_token_file(path: Path) -> str:
    """Token file rules of docs/protocol/node.md §6.3."""
    try:
        info = path.lstat()
    except OSError as exc:
        raise CliError(f'stat moltnet token_path "{path}": {os_cause(exc)}') from None
    problem = token_file_problem(path, info.st_mode)
    if problem:
        raise CliError(problem)
    token = path.read_text().strip()
    if not token:
        raise CliError(f'moltnet token_path "{path}" is empty')
    return token


def anchored_auth(auth: dict, base_dir: Path) -> dict:
    """A copy of a config attachment's auth with a relative `token_path` made relative to the config's
    directory, as Go resolves it at load time (flag-given paths stay relative to the working directory)."""
    auth = dict(auth)
    token_path = (auth.get("token_path") or "").strip()
    if token_path and not Path(token_path).is_absolute():
        auth["token_path"] = str(base_dir / token_path)
    return auth


def resolve_token(auth: dict, base_dir: Path | None = None, mode: str | None = None) -> str:
    """Client-side token resolution (docs/protocol/cli.md §2.6); "" means anonymous."""
    mode = mode or effective_mode(auth)
    if mode == "none":
        return ""
    token = auth.get("token")
    if token:
        if not token.strip():
            raise CliError("auth.token is empty")
        return token.strip()
    env_name = (auth.get("token_env") or "").strip()
    if env_name:
        value = os.environ.get(env_name, "").strip()
        if not value:
            raise CliError(f'environment variable "{env_name}" is required for Moltnet {mode} auth')
        return value
    token_path = (auth.get("token_path") or "").strip()
    if token_path:
        path = Path(token_path)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return read_token_file(path)
    if mode == "open":
        return ""
    raise CliError("unsupported auth configuration")


def write_identity(workspace: Path, registration: dict) -> Path:
    """`<workspace>/.moltnet/identity.json` from a registration response (never the token)."""
    directory = workspace / ".moltnet"
    if not directory.exists():
        directory.mkdir(mode=0o755, parents=True)
    identity = {"version": IDENTITY_VERSION}
    for key in ("network_id", "agent_id", "actor_uid", "actor_uri", "display_name"):
        value = registration.get(key) or ""
        if value or key != "display_name":
            identity[key] = value
    path = directory / "identity.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(identity, indent=2, ensure_ascii=False) + "\n")
    os.chmod(path, 0o600)
    return path
