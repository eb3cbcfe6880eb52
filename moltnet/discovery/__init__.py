"""The network's self-description for agents: GET /skill.md, /install.md and /llms.txt
(docs/protocol/discovery-metrics.md §1–§5).

A transport: owns only document generation from the live config and the caller's access; it reads
rooms and access decisions from the rooms app and the runtime declarations from `moltnet.runtimes`,
and must never grant or compute permissions of its own or write anything.
"""
