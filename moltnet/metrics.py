"""Prometheus metrics with the spec's names, labels and order (spec 08 §6)."""

from __future__ import annotations

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

prometheus_client.disable_created_metrics()

REGISTRY = CollectorRegistry(auto_describe=True)

http_requests = Counter(
    "moltnet_http_requests", "Count of handled HTTP requests.", ["method", "route", "status"], registry=REGISTRY
)
http_duration = Histogram(
    "moltnet_http_request_duration_seconds", "Latency of handled HTTP requests.", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY,
)
active_attachments = Gauge("moltnet_active_attachments", "Open attachment sockets.", registry=REGISTRY)
active_sse = Gauge("moltnet_active_sse_subscribers", "Open SSE streams.", registry=REGISTRY)
relay_total = Counter("moltnet_relay", "Pairing relay outcomes.", ["result"], registry=REGISTRY)
events_dropped = Counter(
    "moltnet_events_dropped", "Live events dropped for full subscriber buffers.", registry=REGISTRY
)
store_health = Gauge("moltnet_store_health", "Result of the latest store health check.", registry=REGISTRY)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    http_requests.labels(method, route, str(status)).inc()
    http_duration.labels(method, route).observe(seconds)


def render() -> bytes:
    return generate_latest(REGISTRY)
