"""The README answers a newcomer's first-hour questions: troubleshooting, logs, operations."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_troubleshooting_starts_with_moltnet_doctor_and_shows_its_lines():
    text = section("Troubleshooting")
    assert text.lstrip().startswith("Run `moltnet doctor`")
    example = re.findall(r"^(ok  |warn|FAIL)  [a-z ]+\w: ", text, re.M)
    assert {"ok  ", "warn", "FAIL"} <= set(example)
    assert re.search(r"^doctor: \d+ failures?, \d+ warnings?$", text, re.M)


def test_logs_document_the_level_and_the_format_switch():
    text = section("Logs")
    assert "MOLTNET_LOG_LEVEL" in text and "MOLTNET_LOG_FORMAT=json" in text
    assert 'msg="moltnet listening"' in text and 'msg="moltnet stopped"' in text and "request_id=" in text


def test_operations_document_health_metrics_upgrades_and_data():
    text = section("Operations")
    assert '`GET /readyz` → `200 {"status":"ready"}`' in text and "`503`" in text
    assert "`GET /metrics`" in text and "`admin`" in text and "`none`" in text
    assert "migrations run on start" in text and ".moltnet/moltnet.db" in text
