"""`moltnet mcp`: the Moltnet MCP tools over stdio, for runtimes that start a process.

It reads `.moltnet/config.json` like the other agent commands (`--config`, `--network`,
`--member` pick the attachment) and performs the tools against that attachment's server with its
token (mcpserver.remote). stdout carries the protocol only; failures go to stderr.
"""

from __future__ import annotations

from moltnet.cli.flags import FlagSet, guarded, no_positional
from moltnet.client import clientconfig


def serve(args: list[str]) -> int:
    flags = FlagSet("mcp")
    flags.string("config", "", "path to the Moltnet client config (default .moltnet/config.json)")
    flags.string("network", "", "network id of the attachment to use")
    flags.string("member", "", "member id of the attachment to use")
    values, positional = flags.parse(args)
    no_positional("mcp", positional)
    config = clientconfig.load(clientconfig.discover(values["config"]))
    attachment = config.select(values["network"], values["member"])
    token = clientconfig.resolve_token(attachment.get("auth") or {}, config.base_dir)

    # The SDK is imported only when serving: every other command stays as quick to start as before.
    from mcpserver.remote import RemoteBackend, run_stdio
    from mcpserver.tools import Agent

    agent = Agent(attachment["member_id"], attachment.get("network_id") or "", attachment.get("agent_name") or "")
    run_stdio(RemoteBackend(attachment["base_url"], token, agent))
    return 0


COMMANDS = {"mcp": guarded(serve)}
