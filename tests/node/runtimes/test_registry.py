"""The runtime registry: every runtime declared once, with its adapter, config rules, skill paths and usage text.

A runtime is one declaration in `moltnet/runtimes/<name>.py` plus its adapter package `node/runtimes/<name>/`,
registered in `moltnet.runtimes.registry.RUNTIMES`; these tests hold the pieces together and pin the texts a user
sees (config errors, CLI usage, discovery lists) to the Go server's wording.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from moltnet.cli import skills
from moltnet.cli.flags import CliError
from moltnet.client import skillfiles
from moltnet.config import ConfigError
from moltnet.runtimes import registry
from moltnet.runtimes.spec import RESTRICTED_FIELDS, DiscoverySnippet
from node.client import AttachmentClient
from node.config import RuntimeBlock, bridge_from_document, validate_bridge
from node.runtimes import adapter_factory, build_adapter
from node.runtimes.base import Adapter
from node.runtimes.control import ControlAdapter
from node.runtimes.picoclaw import PicoClawCommandAdapter, PicoClawEventsAdapter
from node.runtimes.tinyclaw import TinyClawAdapter

REPO = Path(__file__).resolve().parents[3]
# A runtime block that starts each runtime on its default seam (docs/protocol/node.md §5 fills in the rest).
MINIMAL = {"openclaw": {}, "picoclaw": {}, "tinyclaw": {}, "pi": {"control_url": "http://127.0.0.1:9/control"},
           "claude-code": {"workspace_path": "."}, "codex": {"workspace_path": "."}}


def bridge(tmp_path: Path, runtime: dict):
    """A validated bridge config, as `moltnet bridge run` loads it."""
    doc = {"version": "moltnet.bridge.v1", "agent": {"id": "scout"}, "runtime": runtime,
           "moltnet": {"base_url": "http://127.0.0.1:9", "network_id": "studio"}, "rooms": [{"id": "lobby"}]}
    cfg = bridge_from_document(doc, tmp_path / "bridge.json")
    validate_bridge(cfg)
    return cfg


def adapter(tmp_path: Path, runtime: dict) -> Adapter:
    cfg = bridge(tmp_path, runtime)
    return build_adapter(cfg, AttachmentClient(cfg, environ={}), environ={})


def test_every_runtime_is_registered_exactly_once_and_every_package_has_a_declaration():
    names = registry.names()
    assert sorted(names) == sorted(set(names)) == sorted(MINIMAL)
    # Each adapter package under node/runtimes/ and each declaration module belongs to one registered runtime.
    packages = {p.name for p in (REPO / "node" / "runtimes").iterdir() if (p / "__init__.py").is_file()}
    declared = {p.stem for p in (REPO / "moltnet" / "runtimes").glob("*.py")} - {"__init__", "spec", "registry"}
    expected = {name.replace("-", "_") for name in names}
    assert packages == declared == expected
    for spec in registry.RUNTIMES:
        assert spec.adapter.startswith(f"node.runtimes.{spec.name.replace('-', '_')}:")
        assert registry.lookup(spec.name) is spec
    assert registry.lookup("hermes") is None and registry.lookup("Codex") is None  # `runtime.kind` is exact


@pytest.mark.parametrize("name", sorted(MINIMAL))
def test_each_runtime_builds_its_own_adapter_from_its_default_seam(tmp_path, name):
    built = adapter(tmp_path, {"kind": name, **MINIMAL[name]})
    assert isinstance(built, Adapter) and built.kind == name and built.component == f"bridge.{name}"
    assert callable(adapter_factory(name))


def test_seam_precedence_is_decided_by_the_runtime_package(tmp_path):
    """docs/protocol/runtimes.md §1.4: picoclaw command > events_url > control_url; tinyclaw control_url > native
    endpoints."""
    control = "http://127.0.0.1:9/control"
    assert type(adapter(tmp_path, {"kind": "picoclaw"})) is PicoClawEventsAdapter  # the default event socket
    assert type(adapter(tmp_path, {"kind": "picoclaw", "command": "pc", "config_path": "c.json",
                                   "events_url": "ws://127.0.0.1:9/ws"})) is PicoClawCommandAdapter
    assert type(adapter(tmp_path, {"kind": "picoclaw", "config_path": "c.json"})) is PicoClawCommandAdapter
    picoclaw_control = adapter(tmp_path, {"kind": "picoclaw", "control_url": control})
    assert type(picoclaw_control) is ControlAdapter and picoclaw_control.kind == "picoclaw"
    assert type(adapter(tmp_path, {"kind": "tinyclaw"})) is TinyClawAdapter
    tinyclaw_control = adapter(tmp_path, {"kind": "tinyclaw", "control_url": control})
    assert type(tinyclaw_control) is ControlAdapter and tinyclaw_control.kind == "tinyclaw"
    assert not tinyclaw_control.publishes_reply and adapter(tmp_path, MINIMAL["pi"] | {"kind": "pi"}).publishes_reply


@pytest.mark.parametrize("spec", registry.RUNTIMES, ids=lambda spec: spec.name)
def test_each_runtime_declares_its_rules_skill_paths_and_usage(spec):
    known = {name for name, _schemes in RESTRICTED_FIELDS}
    assert spec.fields and spec.fields <= known
    # Its seam rule refuses an empty block with a message that names the runtime.
    error = spec.seam_error(RuntimeBlock(kind=spec.name))
    assert error.startswith("bridge config runtime.") and error.endswith(f"for {spec.name}")
    assert spec.title
    # docs/protocol/cli.md §7.1 and docs/protocol/discovery-metrics.md §3.2: pi has no skill paths and
    # no discovery snippet.
    if spec.name == "pi":
        assert spec.skill_paths == () and spec.discovery is None
        return
    assert spec.skill_paths and all(p.endswith("moltnet/SKILL.md") for p in spec.skill_paths)
    assert isinstance(spec.discovery, DiscoverySnippet) and spec.discovery.note
    assert spec.discovery.runtime_yaml[0] == f"kind: {spec.name}"


def test_the_declared_defaults_are_what_the_discovery_snippet_shows(tmp_path):
    """The MoltnetNode snippet of each runtime (docs/protocol/discovery-metrics.md §3.3) is a config the node accepts
    unchanged."""
    for spec, snippet in registry.documented():
        runtime = dict(line.split(": ", 1) for line in snippet.runtime_yaml)
        runtime = {key: value.strip('"') for key, value in runtime.items()}
        defaulted = bridge(tmp_path, {"kind": spec.name, "workspace_path": runtime.get("workspace_path", "")})
        written = bridge(tmp_path, runtime)
        assert dataclasses.asdict(written.runtime) == dataclasses.asdict(defaulted.runtime), spec.name


def test_unknown_runtimes_keep_their_error_texts(tmp_path):
    with pytest.raises(ConfigError) as refused:
        bridge(tmp_path, {"kind": "hermes"})
    assert str(refused.value) == 'bridge config runtime.kind "hermes" is unsupported'
    cfg = bridge(tmp_path, {"kind": "codex", "workspace_path": "."})
    cfg.runtime.kind = "hermes"
    with pytest.raises(ValueError) as unbuilt:
        build_adapter(cfg, AttachmentClient(cfg, environ={}), environ={})
    assert str(unbuilt.value) == 'bridge config runtime.kind "hermes" is unsupported'
    for name in ("hermes", "pi"):
        with pytest.raises(CliError) as uninstalled:
            skillfiles.install(name, str(tmp_path), "skill")
        assert str(uninstalled.value) == f'moltnet skill install does not support runtime "{name}"'


@pytest.mark.parametrize(("runtime", "message"), [
    ({"kind": "codex", "workspace_path": ".", "control_url": "http://h"},
     "bridge config runtime.control_url is only supported for picoclaw, tinyclaw, or pi"),
    ({"kind": "pi", "control_url": "http://h", "command": "x"},
     "bridge config runtime.command is only supported for picoclaw, claude-code, or codex"),
    ({"kind": "openclaw", "control_url": "http://h"},
     "bridge config runtime.control_url is unsupported for openclaw; use runtime.gateway_url"),
    ({"kind": "picoclaw", "command": "pc"},
     "bridge config runtime.config_path is required when runtime.command is set"),
    ({"kind": "tinyclaw", "gateway_url": "ws://h"}, "bridge config runtime.gateway_url is only supported for openclaw"),
    ({"kind": "tinyclaw", "ack_url": "http://"}, "bridge config runtime.ack_url host is required"),
    ({"kind": "claude-code"}, "bridge config runtime.workspace_path is required for claude-code"),
    ({"kind": "pi"}, "bridge config runtime.control_url is required for pi"),
])
def test_config_rules_come_from_the_declarations_with_the_spec_texts(tmp_path, runtime, message):
    with pytest.raises(ConfigError) as refused:
        bridge(tmp_path, runtime)
    assert str(refused.value) == message


def test_the_usage_texts_list_the_registered_runtimes_in_the_spec_order():
    usage = "Usage:\n  moltnet skill install --runtime openclaw|picoclaw|tinyclaw|claude-code|codex --workspace <path>"
    assert usage + "\n" == skills.USAGE  # docs/protocol/cli.md §1.6
    assert skills.RUNTIME_HELP == "runtime: openclaw, picoclaw, tinyclaw, claude-code or codex"
    assert registry.with_skill() == ("openclaw", "picoclaw", "tinyclaw", "claude-code", "codex")
    # The discovery documents list the runtimes in their own order, without pi (docs/protocol/discovery-metrics.md
    # §3.2, §5).
    assert [spec.name for spec, _ in registry.documented()] == ["codex", "claude-code", "openclaw", "picoclaw",
                                                                "tinyclaw"]
    assert [spec.name for spec in registry.with_mcp()] == ["claude-code", "codex"]
    assert registry.with_wake_queue() == ("claude-code", "codex")


def test_register_refuses_a_runtime_declared_twice_or_with_unknown_fields():
    codex = registry.lookup("codex")
    assert codex is not None
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(codex, codex)
    with pytest.raises(ValueError, match="unknown runtime fields"):
        registry.register(dataclasses.replace(codex, fields=frozenset({"gateway_uri"})))
    with pytest.raises(ValueError, match="reuses discovery rank"):
        registry.register(codex, dataclasses.replace(codex, name="codex-next"))


def test_the_cli_reads_runtime_metadata_without_importing_the_node():
    """`moltnet.runtimes` is a base package: the CLI and the skill paths load without any `node` module."""
    probe = ("import sys, moltnet.cli, moltnet.cli.skills, moltnet.cli.mcp_runtimes, moltnet.cli.onboarding, "
             "moltnet.runtimes.registry; "
             "print(sorted(m for m in sys.modules if m == 'node' or m.startswith('node.')))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_readme_lists_exactly_the_registered_runtimes():
    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("| runtime | seam (defaults) |"):]
    table = table[:table.index("\n\n")]
    rows = [line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]]
    assert sorted(rows) == sorted(registry.names())  # one row per runtime, none missing, none extra
    skill_row = next(line for line in readme.splitlines() if line.startswith("| `moltnet skill install"))
    assert skill_row.endswith("(" + ", ".join(f"`{name}`" for name in registry.with_skill()) + ") |")
