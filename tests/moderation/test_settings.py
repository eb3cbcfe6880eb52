"""The loop guard's and moderation's settings: defaults, and bad values stop loading with one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from moltnet.config import ConfigError, load_server_config

REPO = Path(__file__).resolve().parents[2]


def load(tmp_path: Path, text: str):
    (tmp_path / "Moltnet").write_text("version: moltnet.v1\n" + text)
    return load_server_config(environ={}, cwd=tmp_path)


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return str(info.value)


def test_defaults(tmp_path):
    cfg = load(tmp_path, "")
    assert (cfg.max_agent_hops, cfg.refused_agent_patterns) == (20, [])


def test_values_are_read(tmp_path):
    cfg = load(tmp_path, "loop_guard:\n  max_agent_hops: 0\nauth:\n  registration:\n    refused_patterns: ['^spam']\n"
                         "rooms:\n  - id: lab\n    loop_guard:\n      max_agent_hops: 4\n")
    assert (cfg.max_agent_hops, cfg.refused_agent_patterns, cfg.rooms[0].max_agent_hops) == (0, ["^spam"], 4)


@pytest.mark.parametrize(("text", "needle"), [
    ("loop_guard:\n  max_agent_hops: -1\n",
     "loop_guard.max_agent_hops: -1 is out of range; write a whole number from 0 (off) to 10000"),
    ("loop_guard:\n  max_agent_hops: 1000000\n", "loop_guard.max_agent_hops: 1000000 is out of range"),
    ("loop_guard:\n  max_agent_hops: lots\n", "loop_guard.max_agent_hops: expected an int"),
    ("rooms:\n  - id: lab\n    loop_guard:\n      max_agent_hops: -5\n",
     "rooms[0].loop_guard.max_agent_hops: -5 is out of range"),
    ("auth:\n  registration:\n    refused_patterns: ['spam(']\n",
     "auth.registration.refused_patterns[0] \"spam(\" is not a valid regular expression: missing ), "
     "unterminated subpattern at position 4"),
    ("auth:\n  registration:\n    refused_patterns: ['']\n",
     "auth.registration.refused_patterns[0] is empty (it would refuse every agent id)"),
])
def test_bad_values_name_the_field(tmp_path, text, needle):
    message = error_of(tmp_path, text)
    assert needle in message and "\n" not in message


def test_a_bad_pattern_stops_start_up_with_one_line(tmp_path):
    (tmp_path / "Moltnet").write_text("version: moltnet.v1\nauth:\n  registration:\n    refused_patterns: ['[a-']\n")
    done = subprocess.run([str(Path(sys.executable).parent / "moltnet"), "start"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(tmp_path)})
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused_patterns[0]" in lines[0] and "not a valid regular expression" in lines[0]
