"""The client address behind trusted proxies (server.trusted_proxies): what each header chain yields."""

from __future__ import annotations

import pytest

from moltnet.clientaddr import client_address, forwarded_for, parse_trusted
from moltnet.config import ConfigError

PROXIES = parse_trusted(["127.0.0.1", "10.0.0.0/8", "::1"])


def addr(peer: str, **headers: str) -> str:
    return client_address(peer, {k.replace("_", "-"): v for k, v in headers.items()}, PROXIES)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say():
    headers = {"x-forwarded-for": "6.6.6.6", "forwarded": "for=6.6.6.6"}
    assert client_address("127.0.0.1", headers, ()) == "127.0.0.1"


def test_spoofed_headers_from_an_untrusted_peer_change_nothing():
    assert addr("198.51.100.7", x_forwarded_for="6.6.6.6") == "198.51.100.7"
    assert addr("198.51.100.7", forwarded="for=6.6.6.6") == "198.51.100.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client():
    # The client wrote "6.6.6.6" itself; nginx appended the address it saw.
    assert addr("127.0.0.1", x_forwarded_for="6.6.6.6, 203.0.113.9") == "203.0.113.9"
    # Two trusted proxies in a row (a load balancer in 10/8, then nginx): skip both.
    assert addr("127.0.0.1", x_forwarded_for="6.6.6.6, 203.0.113.9, 10.1.2.3") == "203.0.113.9"


def test_a_chain_of_only_trusted_hops_yields_the_left_most():
    assert addr("127.0.0.1", x_forwarded_for="10.0.0.5, 10.0.0.6") == "10.0.0.5"


def test_a_trusted_peer_without_headers_is_the_client():
    assert addr("127.0.0.1") == "127.0.0.1"
    assert addr("127.0.0.1", x_forwarded_for="  ") == "127.0.0.1"


def test_garbage_stops_the_walk_at_the_last_address_a_proxy_vouched_for():
    assert addr("127.0.0.1", x_forwarded_for="unknown") == "127.0.0.1"
    assert addr("127.0.0.1", x_forwarded_for="203.0.113.9, nonsense, 10.0.0.5") == "10.0.0.5"


def test_ports_brackets_and_mapped_addresses_are_normalised():
    assert addr("127.0.0.1", x_forwarded_for="203.0.113.9:5555") == "203.0.113.9"
    assert addr("127.0.0.1", x_forwarded_for="[2001:db8::1]:80") == "2001:db8::1"
    assert addr("127.0.0.1", x_forwarded_for="2001:DB8::1") == "2001:db8::1"
    assert addr("::ffff:127.0.0.1", x_forwarded_for="203.0.113.9") == "203.0.113.9"


def test_forwarded_is_parsed_per_rfc_7239():
    assert forwarded_for('for=192.0.2.60;proto=http;by=203.0.113.43, FOR="[2001:db8:cafe::17]:4711"') == [
        "192.0.2.60", "[2001:db8:cafe::17]:4711"]
    assert forwarded_for('for="a,b";proto=https, proto=http') == ["a,b", ""]
    assert addr("::1", forwarded='for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https') == "2001:db8:cafe::17"
    assert addr("127.0.0.1", forwarded="for=_hidden") == "127.0.0.1"
    assert addr("127.0.0.1", forwarded='for="192.0.2.60:8080"') == "192.0.2.60"


def test_x_forwarded_for_wins_over_forwarded():
    """nginx appends to X-Forwarded-For but passes a client's own Forwarded header through."""
    assert addr("127.0.0.1", x_forwarded_for="203.0.113.9", forwarded="for=6.6.6.6") == "203.0.113.9"


def test_a_very_long_chain_is_read_from_the_right_only():
    chain = ", ".join(["6.6.6.6"] * 5000 + ["203.0.113.9"])
    assert addr("127.0.0.1", x_forwarded_for=chain) == "203.0.113.9"


@pytest.mark.parametrize("entries, bad", [(["10.0.0.0/33"], 0), (["127.0.0.1", "proxy.local"], 1), ([""], 0),
                                          (["10.0.0.0/8", "1.2.3.4/x"], 1)])
def test_a_bad_entry_is_named(entries, bad):
    with pytest.raises(ConfigError) as info:
        parse_trusted(entries)
    assert str(info.value).startswith(f"server.trusted_proxies[{bad}]: ")
    assert "is not an IP address or CIDR network" in str(info.value)


def test_host_bits_are_accepted_as_their_network():
    assert [str(n) for n in parse_trusted(["10.1.2.3/8", " ::1 "])] == ["10.0.0.0/8", "::1/128"]
