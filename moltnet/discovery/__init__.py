"""The network's self-description for agents: GET /skill.md, /install.md and /llms.txt (spec 08 §1–§5).

Owns only document generation from the live config and the caller's access; it reads rooms and
access decisions from the rooms app and must never grant or compute permissions of its own.
"""
