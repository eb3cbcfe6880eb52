"""`server.trusted_proxies`: the networks whose forwarding headers `moltnet.clientaddr` believes."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from moltnet.config.model import ConfigError, quoted

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(entries: Iterable[str], field: str = "server.trusted_proxies") -> tuple[Network, ...]:
    """`["10.0.0.0/8", "127.0.0.1", "::1"]` → networks; a bad entry is a ConfigError naming it."""
    networks: list[Network] = []
    for index, raw in enumerate(entries):
        text = str(raw).strip()
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(f'{field}[{index}]: {quoted(text)} is not an IP address or CIDR network; write e.g. '
                              '"127.0.0.1", "10.0.0.0/8" or "::1"', field=f"{field}[{index}]") from None
    return tuple(networks)
