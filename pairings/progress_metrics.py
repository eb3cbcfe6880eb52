"""Relay-progress gauges for /metrics, read from the database at scrape time so every process
reports the same backlog (additive to docs/protocol/discovery-metrics.md §6; only present when pairings are
configured)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from moltnet import state
from moltnet.metrics import REGISTRY
from pairings import services, status

FAMILIES = (
    ("moltnet_relay_queued_messages", "Locally-originated messages waiting to be relayed, per pairing."),
    ("moltnet_relay_lag_seconds", "Age of the oldest message waiting to be relayed, per pairing."),
    ("moltnet_relay_consecutive_failures", "Failed relay attempts since the last success, per pairing."),
)
REFUSED = ("moltnet_relay_refused", "Messages the partner refused for good (a permanent 4xx) and the relay skipped, "
                                    "per pairing.")


class RelayProgressCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        for name, documentation in FAMILIES:
            yield GaugeMetricFamily(name, documentation, labels=["pairing"])
        yield CounterMetricFamily(*REFUSED, labels=["pairing"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pairings = state.config().pairings
        if not pairings:
            return

        families = [GaugeMetricFamily(name, doc, labels=["pairing"]) for name, doc in FAMILIES]
        refused = CounterMetricFamily(*REFUSED, labels=["pairing"])  # kept in the database: survives restarts
        for pairing in sorted(pairings, key=lambda p: p.id):
            row = status.state_row(pairing)
            progress = services.relay_progress(row, pairing)
            families[0].add_metric([pairing.id], progress["queued"])
            families[1].add_metric([pairing.id], progress["lag_seconds"])
            families[2].add_metric([pairing.id], progress["consecutive_failures"])
            refused.add_metric([pairing.id], progress["refused"])
        yield from families
        yield refused


_registered: list[RelayProgressCollector] = []


def register() -> None:
    """Add the collector to the server's registry once (after the spec's families)."""
    if not _registered:
        collector = RelayProgressCollector()
        REGISTRY.register(collector)
        _registered.append(collector)
