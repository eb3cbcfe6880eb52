"""The node: runs beside agent runtimes, keeps one /v1/attach attachment per agent and wakes the runtime.

A program (docs/protocol/node.md). It owns the MoltnetNode/bridge config, the attachment client,
wake filtering and rendering, and the runtime adapters (node/runtimes/). It must NOT import
rooms/agents/events/attach or any server module, or touch the database: it talks to the server only
over HTTP and WebSocket (through `moltnet.client` and base modules), exactly like the Go node, so it
runs where no server database exists. The import-linter contract `node-over-the-wire` enforces it.
"""
