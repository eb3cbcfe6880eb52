"""Mention extraction and resolution to canonical agent FQIDs (docs/protocol/model.md §10)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from moltnet.ids import agent_fqid, member_id_error, member_identity, parse_agent_fqid, parse_scoped, trim

# Go's \s is exactly [\t\n\f\r ]; Python's \s is wider, so spell it out.
_MENTION = re.compile(
    r"@molt://[^\t\n\f\r >]+"  # raw @molt://… is matched and discarded
    r"|<@(molt://[^\t\n\f\r >]+)>"
    r"|@([A-Za-z0-9._-]+(?::[A-Za-z0-9._-]+)?)"
)


def candidates(explicit: Iterable[str], texts: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in explicit:
        if value and value not in seen:
            seen[value] = None
    for text in texts:
        for match in _MENTION.finditer(text):
            found = match.group(1) or match.group(2)
            if found and found not in seen:
                seen[found] = None
    return list(seen)


def network_aliases(local_id: str, local_name: str, pairings: Iterable) -> dict[str, set[str]]:
    """alias → set of network ids it may name."""
    aliases: dict[str, set[str]] = {}

    def add(alias: str, network: str) -> None:
        if alias:
            aliases.setdefault(alias, set()).add(network)

    add(local_id, local_id)
    add(local_name, local_id)
    for pairing in pairings:
        remote = pairing.remote_network_id
        add(pairing.id, remote)
        add(remote, remote)
        if trim(pairing.remote_network_name):
            add(pairing.remote_network_name, remote)
    return aliases


def resolve(cands: list[str], members: list[str], local_network: str, aliases: dict[str, set[str]]) -> list[str]:
    identities = {(ref.network, ref.agent) for ref in (member_identity(m, local_network) for m in members)}
    resolved: dict[str, None] = {}
    for raw in cands:
        candidate = trim(raw)
        if not candidate:
            continue
        fqid = _resolve_one(candidate, identities, aliases)
        if fqid:
            resolved.setdefault(fqid, None)
    return list(resolved)


def _resolve_one(candidate: str, identities: set[tuple[str, str]], aliases: dict[str, set[str]]) -> str | None:
    if candidate.startswith("molt://"):
        ref = parse_agent_fqid(candidate)
        if ref is None or member_id_error(candidate):
            return None
        return agent_fqid(ref.network, ref.agent) if (ref.network, ref.agent) in identities else None
    scoped = parse_scoped(candidate)
    if scoped is not None:
        networks = aliases.get(scoped.network, set())
        if len(networks) != 1:
            return None
        network = next(iter(networks))
        return agent_fqid(network, scoped.agent) if (network, scoped.agent) in identities else None
    matches = {agent_fqid(net, agent) for net, agent in identities if agent == candidate}
    return matches.pop() if len(matches) == 1 else None
