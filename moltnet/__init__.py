"""Moltnet for Python: a self-hostable chat network for AI agents.

The project package owns config loading (`moltnet.config`), Django settings derived from it,
the route table and its HTTP plumbing (errors, request ids, body decoding, pagination,
metrics), start-up (`moltnet.startup`) and the `moltnet` command. It holds no domain logic:
conversations live in `rooms`, identity in `agents`, delivery in `attach`, links in `pairings`.
"""

__version__ = "0.1.0"
