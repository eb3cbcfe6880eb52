"""GET /metrics: families, order, labels and number formats of docs/protocol/discovery-metrics.md §6."""

import re

import pytest

from moltnet import metrics
from moltnet.gocompat.numbers import format_float

FAMILIES = [
    ("moltnet_http_requests_total", "counter"),
    ("moltnet_http_request_duration_seconds", "histogram"),
    ("moltnet_active_attachments", "gauge"),
    ("moltnet_active_sse_subscribers", "gauge"),
    ("moltnet_relay_total", "counter"),
    ("moltnet_events_dropped_total", "counter"),
    ("moltnet_store_health", "gauge"),
]


HELP = ["Count of handled HTTP requests.", "Latency of handled HTTP requests.", "Open attachment sockets.",
        "Open SSE streams.", "Pairing relay outcomes.", "Live events dropped for full subscriber buffers.",
        "Result of the latest store health check."]


def scrape(api) -> str:
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return response.content.decode()


def test_all_seven_families_in_order_with_help_and_type(api):
    text = scrape(api)
    assert text.endswith("\n")
    types = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M)
    assert types == FAMILIES
    helps = re.findall(r"^# HELP (\S+) (.+)$", text, re.M)
    assert helps == [(name, help_text) for (name, _), help_text in zip(FAMILIES, HELP, strict=True)]
    for name, _ in FAMILIES:
        assert text.index(f"# HELP {name} ") < text.index(f"# TYPE {name} ")


def test_requests_are_counted_with_route_patterns(api):
    api.post("/v1/rooms", {"id": "lab"})
    api.get("/v1/rooms/lab")
    api.get("/v1/rooms/lab")
    api.request("HEAD", "/v1/rooms/lab")
    api.request("PUT", "/v1/rooms")
    text = scrape(api)
    assert 'moltnet_http_requests_total{method="POST",route="POST /v1/rooms",status="201"} ' in text
    assert re.search(r'^moltnet_http_requests_total\{method="GET",route="GET /v1/rooms/\{roomID\}",status="200"\} '
                     r"[0-9]+$", text, re.M)
    assert 'moltnet_http_requests_total{method="HEAD",route="GET /v1/rooms/{roomID}",status="200"}' in text
    assert 'moltnet_http_requests_total{method="PUT",route="/v1/rooms",status="405"}' in text


def test_console_pages_are_counted_under_gos_console_pattern(api):
    api.get("/console/")
    api.request("HEAD", "/console/")
    text = scrape(api)
    assert re.search(r'^moltnet_http_requests_total\{method="GET",route="GET /console/",status="200"\} ', text, re.M)
    assert re.search(r'^moltnet_http_requests_total\{method="HEAD",route="GET /console/",status="200"\} ', text, re.M)


def test_request_series_are_sorted_by_labels(api):
    api.get("/v1/network")
    api.get("/readyz")
    api.get("/healthz")
    lines = [line for line in scrape(api).splitlines() if line.startswith("moltnet_http_requests_total{")]
    keys = [re.match(r'.*\{method="([^"]*)",route="([^"]*)",status="([^"]*)"\}', line).groups() for line in lines]
    assert keys == sorted(keys)


def test_histogram_has_eleven_buckets_plus_inf_then_sum_and_count(api):
    api.get("/v1/network")
    lines = [line for line in scrape(api).splitlines()
             if line.startswith("moltnet_http_request_duration_seconds")
             and 'method="GET",route="GET /v1/network"' in line]
    les = [re.search(r'le="([^"]+)"', line).group(1) for line in lines if "_bucket" in line]
    assert les == ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
    names = [line.split("{")[0] for line in lines[-2:]]
    assert names == ["moltnet_http_request_duration_seconds_sum", "moltnet_http_request_duration_seconds_count"]
    counts = [float(line.rsplit(" ", 1)[1]) for line in lines if "_bucket" in line]
    assert counts == sorted(counts)  # cumulative
    assert lines[-1].rsplit(" ", 1)[1] == lines[11].rsplit(" ", 1)[1]  # _count == +Inf bucket


def test_gauges_and_counters_print_integers_without_a_decimal_point(api):
    text = scrape(api)
    assert re.search(r"^moltnet_active_attachments 0$", text, re.M)
    assert re.search(r"^moltnet_events_dropped_total [0-9]+$", text, re.M)


def test_relay_series_appear_only_once_they_occurred_sorted_by_result(api):
    metrics.relay_total.labels("success").inc()
    metrics.relay_total.labels("error").inc()
    text = scrape(api)
    relay = [line for line in text.splitlines() if line.startswith("moltnet_relay_total{")]
    results = [re.search(r'result="(\w+)"', line).group(1) for line in relay]
    assert results == sorted(results) and {"error", "success"} <= set(results)  # counters are process-wide


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (1, "1"), (2.5, "2.5"), (0.005, "0.005"), (3.0, "3"),
                                             (0.0123, "0.0123"), (1e6, "1e+06"), (123456, "123456"),
                                             (1e-05, "1e-05"), (float("inf"), "+Inf")])
def test_go_number_format(value, text):
    assert format_float(value) == text


def test_metrics_need_admin_when_auth_is_on(api, configure):
    configure({"auth": {"mode": "bearer", "tokens": [{"value": "adm", "scopes": ["admin"]},
                                                     {"value": "obs", "scopes": ["observe"]}]}})
    assert api.get("/metrics").status_code == 401
    assert api.with_token("obs").get("/metrics").status_code == 403
    assert api.with_token("adm").get("/metrics").status_code == 200


def test_label_values_are_escaped_like_go():
    metrics.observe_request("POST", '/odd"path\\x\n', 405, 0.001)
    assert 'route="/odd\\"path\\\\x\\n"' in metrics.render().decode()
