"""CLI-backed runtime machinery: real child processes, Go's failure texts, the workspace config of every run."""

from __future__ import annotations

import json
import os

import pytest

from node.client import AttachmentClient
from node.runtimes.cli import Command, CommandError, run_command
from node.runtimes.codex import CodexAdapter
from tests.support.node import bridge, read_log, room


async def failure(tmp_path, *argv: str) -> str:
    with pytest.raises(CommandError) as info:
        await run_command(Command(list(argv)), str(tmp_path), dict(os.environ))
    return str(info.value)


async def test_a_runtime_that_cannot_start_reads_like_go(tmp_path):
    """docs/protocol/runtimes.md §7.6: what the WARN `CLI runtime queued delivery failed` says when the runtime is not
    installed."""
    assert await failure(tmp_path, "moltnet-no-such-runtime") == (
        'run runtime command: exec: "moltnet-no-such-runtime": executable file not found in $PATH')
    missing = tmp_path / "bin" / "codex"
    assert await failure(tmp_path, str(missing)) == (
        f"run runtime command: fork/exec {missing}: no such file or directory")


async def test_a_failing_runtime_reports_its_exit_and_output_like_go(tmp_path):
    script = tmp_path / "runtime"
    script.write_text("#!/bin/sh\necho \"$1\" >&2\n[ \"$2\" = signal ] && kill -TERM $$\nexit 3\n")
    script.chmod(0o755)
    assert await failure(tmp_path, str(script), "boom") == "run runtime command: exit status 3: boom"
    assert await failure(tmp_path, str(script), "", "signal") == "run runtime command: signal: terminated"


async def test_every_run_writes_the_current_token_into_the_workspace_config(tmp_path, fake_bin, environ):
    """docs/protocol/node.md §6.2 / docs/protocol/runtimes.md §7.2: the token is resolved for every dispatch, so a
    rotated token file reaches the
    agent's own `moltnet send` without restarting the node."""
    token = tmp_path / "builder.token"
    token.write_text("tok-one\n")
    token.chmod(0o600)
    workspace = tmp_path / "ws"
    cfg = bridge("http://127.0.0.1:9", "cx-rotate", {"kind": "codex", "command": str(fake_bin("codex", "codex_cli.py")),
                                                    "workspace_path": str(workspace)},
                 moltnet={"token_path": str(token)})
    adapter = CodexAdapter(cfg, AttachmentClient(cfg, environ), environ)
    config = workspace / ".moltnet" / "config.json"

    def saved_token() -> str:
        return json.loads(config.read_text())["attachments"][0]["auth"]["token"]

    await adapter.dispatch(adapter.key_for(room("lobby")), "first")
    assert saved_token() == "tok-one"
    token.write_text("tok-two\n")  # the operator rotated the agent's token
    await adapter.dispatch(adapter.key_for(room("lobby")), "second")
    assert saved_token() == "tok-two"
    assert [run["stdin"] for run in read_log(tmp_path / "runtime.log")] == ["first", "second"]
