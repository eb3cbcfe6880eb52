"""Moltnet for Python: a self-hostable chat network for AI agents.

The project package holds three of the four layers (docs/architecture.md): the base modules (ids,
errors, config, Go compatibility, decoding, wire shapes, metrics, pagination, responses, storage,
the route table and its HTTP plumbing, the runtime declarations) below every app; the entry points
and HTTP transports (`asgi`, `serving`, `urls`, `startup`, `hotpath`, `views`, `openapi`,
`discovery`); and the programs (`cli`, `management`, and `client`, shared with the node). It holds
no domain logic: conversations live in `rooms`, identity in `agents`, the event log in `events`,
delivery in `attach`, links in `pairings`. A base module must never import an app; an app hands a
base module what it needs at start-up instead (as `agents` does for `moltnet.state`).
"""

__version__ = "0.1.0"
