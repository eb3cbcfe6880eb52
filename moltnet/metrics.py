"""Prometheus metrics with the spec's names, labels, order and number formatting (docs/protocol/discovery-metrics.md
§6).

The metric objects are prometheus-client's; `render()` writes the text format itself because
the spec pins details prometheus-client formats differently: `_sum` before `_count`, series
sorted by label values, and numbers in Go's shortest form (`1`, not `1.0`; `1e+06`).
"""

from __future__ import annotations

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from moltnet.gocompat.numbers import format_float

prometheus_client.disable_created_metrics()

REGISTRY = CollectorRegistry(auto_describe=True)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

http_requests = Counter(
    "moltnet_http_requests", "Count of handled HTTP requests.", ["method", "route", "status"], registry=REGISTRY
)
http_duration = Histogram(
    "moltnet_http_request_duration_seconds", "Latency of handled HTTP requests.", ["method", "route"],
    buckets=BUCKETS, registry=REGISTRY,
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


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _family_lines(family) -> list[str]:
    name = family.name + ("_total" if family.type == "counter" else "")
    lines = [f"# HELP {name} {family.documentation}", f"# TYPE {name} {family.type}"]
    samples = [s for s in family.samples if not s.name.endswith("_created")]
    if family.type != "histogram":
        for sample in sorted(samples, key=lambda s: tuple(s.labels.values())):
            lines.append(f"{sample.name}{_labels(list(sample.labels.items()))} {format_float(sample.value)}")
        return lines
    series: dict[tuple, dict] = {}
    for sample in samples:
        base = tuple((k, v) for k, v in sample.labels.items() if k != "le")
        entry = series.setdefault(base, {"buckets": [], "sum": 0.0, "count": 0.0})
        if sample.name.endswith("_bucket"):
            entry["buckets"].append((float(sample.labels["le"]), sample.value))
        elif sample.name.endswith("_sum"):
            entry["sum"] = sample.value
        elif sample.name.endswith("_count"):
            entry["count"] = sample.value
    for base in sorted(series, key=lambda pairs: tuple(v for _, v in pairs)):
        entry = series[base]
        for bound, count in sorted(entry["buckets"]):
            lines.append(f"{family.name}_bucket{_labels([*base, ('le', format_float(bound))])} {format_float(count)}")
        lines.append(f"{family.name}_sum{_labels(list(base))} {format_float(entry['sum'])}")
        lines.append(f"{family.name}_count{_labels(list(base))} {format_float(entry['count'])}")
    return lines


def render() -> bytes:
    """The exposition text: families in registration order (the spec's order), HELP/TYPE always."""
    lines: list[str] = []
    for family in REGISTRY.collect():
        lines.extend(_family_lines(family))
    return ("\n".join(lines) + "\n").encode()
