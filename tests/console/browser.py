"""Headless Debian Chromium driven by Playwright (the PyPI wheel's driver; no browser download)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium(viewport: dict | None = None) -> Iterator:
    """A fresh browser profile (its own temporary user-data-dir), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="moltnet-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport=viewport or {"width": 1280, "height": 800},
        )
        try:
            yield context
        finally:
            context.close()
