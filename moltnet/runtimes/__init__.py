"""What Moltnet knows about each agent runtime, declared once (docs/protocol/node.md §4.3, §5;
docs/protocol/runtimes.md; docs/protocol/discovery-metrics.md §3; docs/protocol/cli.md §7).

One module per runtime (`openclaw.py`, `picoclaw.py`, …) declares a `RuntimeSpec`: its name, the optional
`runtime.*` fields it accepts, its defaults and seam-presence rule, where `moltnet skill install` writes the
skill, its snippet in the discovery documents, and the dotted path of the node adapter that runs it.
`registry.py` registers them, in one list; everything else (the node's validation and adapter choice, the CLI's
skill paths and usage text, the discovery documents) looks runtimes up there.

This is a base package: it imports only the standard library and `moltnet.gocompat`. It must not import `node`,
`moltnet.cli` or any app: the CLI and the discovery documents read it, and the node's adapters are named by a
dotted path that only the node resolves (lazily), so the metadata stays light for the CLI.
"""
