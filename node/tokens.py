"""Moltnet token sources for attachments: precedence without fall-through, private token files (docs/protocol/node.md
§6)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from moltnet.client.clientconfig import token_file_problem
from moltnet.config import ConfigError
from moltnet.gocompat.errors import os_cause


class TokenError(ConfigError):
    """A configured token source cannot be used."""


def effective_mode(auth_mode: str, token: str, token_env: str, token_path: str) -> str:
    """Spec 09 §6.1: explicit mode, else bearer when a token source exists, else none."""
    if auth_mode.strip():
        return auth_mode.strip()
    if token.strip() or token_env.strip() or token_path.strip():
        return "bearer"
    return "none"


def _check_token_file(path: str, info: os.stat_result) -> None:
    problem = token_file_problem(path, info.st_mode)
    if problem:
        raise TokenError(problem)


def read_token_file(path: str) -> str:
    """Read a private token file; raises FileNotFoundError (wrapped in TokenError) when missing."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise TokenError(f'stat moltnet token_path "{path}": lstat {path}: {os_cause(exc)}') from exc
    _check_token_file(path, info)
    try:
        token = Path(path).read_text().strip()
    except OSError as exc:
        raise TokenError(f'read moltnet token_path "{path}": {os_cause(exc)}') from exc
    if not token:
        raise TokenError(f'moltnet token_path "{path}" is empty')
    return token


def resolve_token(mode: str, token: str, token_env: str, token_path: str,
                  environ: Mapping[str, str] | None = None, *, missing_file_ok: bool | None = None) -> str | None:
    """Spec 09 §6.2: the first configured source wins and must work; None means "no token (yet)"."""
    environ = os.environ if environ is None else environ
    if mode == "none":
        return None
    if token != "":
        if not token.strip():
            raise TokenError("bridge config moltnet.token is empty")
        return token.strip()
    if token_env.strip():
        value = (environ.get(token_env.strip()) or "").strip()
        if not value:
            raise TokenError(f'environment variable "{token_env.strip()}" is required for Moltnet {mode} auth')
        return value
    if token_path.strip():
        if missing_file_ok is None:
            missing_file_ok = mode == "open"
        if missing_file_ok and not os.path.lexists(token_path):
            return None
        return read_token_file(token_path)
    raise TokenError(f"bridge config moltnet.token, token_env, or token_path is required for {mode} auth")


def _existing_ok(path: str) -> bool:
    """True when the token file exists (and passes the lstat checks); False when missing."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TokenError(f'stat moltnet token_path "{path}": lstat {path}: {os_cause(exc)}') from exc
    _check_token_file(path, info)
    return True


def _make_parent(path: str) -> Path:
    parent = Path(path).parent
    try:
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise TokenError(f'create moltnet token_path directory "{parent}": {os_cause(exc)}') from exc
    return parent


def write_token_file(path: str, token: str) -> None:
    """Write a generated agent token atomically with mode 0600 (docs/protocol/node.md §6.3)."""
    _existing_ok(path)
    parent = _make_parent(path)
    temp = parent / f".moltnet-token-{secrets.token_hex(8)}"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token.strip() + "\n")
        os.replace(temp, path)
        os.chmod(path, 0o600)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise TokenError(f'write moltnet token_path "{path}": {os_cause(exc)}') from exc


def prepare_first_claim(path: str) -> None:
    """Before an anonymous open claim: prove the token file can be written later (docs/protocol/node.md §6.3)."""
    if _existing_ok(path):
        return
    parent = _make_parent(path)
    probe = parent / f".moltnet-token-probe-{secrets.token_hex(8)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise TokenError(f'moltnet token_path directory "{parent}" is not writable: {os_cause(exc)}') from exc
