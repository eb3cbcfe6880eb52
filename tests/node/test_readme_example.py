"""The README's "Connect an agent" network plus its "Run a node" example, run as written.

Only the port changes (the test server does not own :8787) and the directories live under a temp dir;
`codex` and `claude` on PATH are the fakes that behave like today's releases. A message mentioning each
agent wakes it, its reply appears in the room, and the second wake continues the same runtime session.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys

import pytest

from tests.support.live import LiveServer
from tests.support.node import REPO, eventually, read_log

pytestmark = pytest.mark.live


def section(title: str) -> str:
    text = (REPO / "README.md").read_text()
    start = text.index(f"## {title}\n")
    return text[start:text.index("\n## ", start + 1)]


def blocks(text: str, language: str) -> list[str]:
    return [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M) if lang == language]


def heredoc(script: str, name: str) -> str:
    return re.search(rf"cat > {name} <<'YAML'\n(.*?)\nYAML", script, re.S).group(1) + "\n"


def commands(script: str, prefix: str) -> list[list[str]]:
    lines = [line.split("  #")[0].strip() for line in script.replace("\\\n", " ").splitlines()]
    return [shlex.split(line) for line in lines if line.startswith(prefix)]


def run(args: list[str], cwd, env) -> subprocess.CompletedProcess:
    assert args[0] == "moltnet"
    return subprocess.run([sys.executable, "-m", "moltnet.cli", *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


async def test_the_readme_node_example_works_as_written(tmp_path, fake_bin):
    connect, node = section("Connect an agent"), section("Run a node")
    moltnet_file = heredoc(blocks(node, "sh")[0], "Moltnet")  # the network of "Connect an agent", with members
    assert moltnet_file.replace(", members: [scout, builder, reviewer]", "") == heredoc(blocks(connect, "sh")[0],
                                                                                        "Moltnet")
    server = LiveServer(tmp_path / "server", heredoc(blocks(connect, "sh")[0], "Moltnet")).start()
    bin_dir = fake_bin("codex", "codex_cli.py").parent
    fake_bin("claude", "claude_cli.py")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path / "home"),
           "FAKE_RUNTIME_LOG": str(tmp_path / "runtime.log"), "FAKE_RUNTIME_SEND": "room:lobby|builder: build is green",
           "FAKE_RUNTIME_SEND_CLAUDE": "room:lobby|reviewer: looks good to me"}
    env.pop("MOLTNET_CLIENT_CONFIG", None)

    def local(args: list[str]) -> list[str]:
        return [a.replace("http://127.0.0.1:8787", server.base_url) for a in args]

    scout, fleet = tmp_path / "scout", tmp_path / "fleet"
    scout.mkdir()
    fleet.mkdir()
    node_process = None
    try:
        # "Connect an agent": scout claims its id from its workspace
        (connect_args,) = [a for a in commands(blocks(connect, "sh")[1], "moltnet connect")]
        done = run(local(connect_args), scout, env)
        assert done.returncode == 0, done.stderr
        # "Run a node": lobby gets its members, and `make run` starts again on the same data
        server.stop()
        server.config_path.write_text(moltnet_file)
        server = LiveServer(server.workdir, None, port=server.port).start()
        # "Run a node": the MoltnetNode file, validated, then the node
        (node_yaml,) = blocks(node, "yaml")
        (fleet / "MoltnetNode").write_text(node_yaml.replace("http://127.0.0.1:8787", server.base_url))
        validate, start = commands(blocks(node, "sh")[1], "moltnet ")
        done = run(validate, fleet, env)
        assert done.returncode == 0, done.stderr
        node_process = subprocess.Popen([sys.executable, "-m", "moltnet.cli", *start[1:]], cwd=fleet, env=env,
                                        stderr=subprocess.PIPE, text=True)
        tokens = [fleet / ".moltnet" / "tokens" / "local--builder.token", fleet / ".moltnet" / "reviewer.token"]
        await eventually(lambda: all(t.exists() for t in tokens), timeout=30)  # both ids claimed, tokens kept
        await eventually(lambda: (fleet / "agents/builder/.codex/skills/moltnet/SKILL.md").exists()
                         and (fleet / "agents/reviewer/.claude/skills/moltnet/SKILL.md").exists())
        # scout's terminal: the two messages, as written, twice (the second wake must continue the session)
        sends = commands(blocks(node, "sh")[2], "moltnet send")
        assert len(sends) == 2
        log = tmp_path / "runtime.log"
        for round_ in (1, 2):
            for send in sends:
                done = run(send, scout, env)
                assert done.returncode == 0, done.stderr
            await eventually(lambda r=round_: len(read_log(log)) == 2 * r, timeout=30)
        history = run(["moltnet", "read", "--target", "room:lobby", "--limit", "20"], scout, env)
        texts = [m["parts"][0]["text"] for m in json.loads(history.stdout)["messages"]]
        assert texts.count("builder: build is green") == 2 and texts.count("reviewer: looks good to me") == 2
        (status_args,) = commands(blocks(node, "sh")[2], "moltnet node status")
        status = run([a.replace("/tmp/fleet", str(fleet)) for a in status_args], scout, env)
        assert "builder (codex): connected" in status.stdout and "reviewer (claude-code): connected" in status.stdout
        assert status.stdout.count("last wake: ok") == 2
    finally:
        if node_process is not None:
            node_process.send_signal(signal.SIGTERM)
            _, err = node_process.communicate(timeout=30)
        server.stop()
    assert node_process.returncode == 0, err
    runs = read_log(tmp_path / "runtime.log")
    codex = [r for r in runs if r["argv"][:1] == ["exec"]]
    claude = [r for r in runs if r["argv"][:1] == ["--print"]]
    assert [r["exit"] for r in runs] == [0] * 4
    first, second = codex
    assert first["cwd"] == str(fleet / "agents" / "builder") and first["argv"][:2] == ["exec", "--json"]
    (prompt,) = blocks(node, "")  # the prompt the README shows, with the real message id
    assert first["stdin"] == re.sub(r"msg_…", re.search(r"Message ID: (\S+)", first["stdin"]).group(1), prompt).strip()
    assert second["argv"][:2] == ["exec", "resume"] and second["argv"][-2] == first["thread"]
    assert second["previous_turns"] == 1  # the same Codex thread, continued
    one, two = claude
    assert one["argv"][:5] == ["--print", "--output-format", "json", "--session-id", one["session"]]
    assert two["argv"][:5] == ["--print", "--output-format", "json", "--resume", one["session"]]
    assert two["previous_turns"] == 1 and one["cwd"] == str(fleet / "agents" / "reviewer")
    assert 'msg="agent token saved"' in err and err.count("msg=wake ") == 4
    # every message that does not wake an agent is in the log with its reason, e.g. reviewer's mention for builder
    assert 'msg="wake skipped" component=bridge.codex agent_id=builder' in err
    assert 'reason="not mentioned (wake: mentions)"' in err and 'reason="own message"' in err
