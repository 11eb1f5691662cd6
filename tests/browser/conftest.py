"""Chromium journeys: the portal on waitress on a free port of 127.0.0.1, and Debian's Chromium driven by
Playwright. Every test here is marked `browser`."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import sync_playwright
from waitress import create_server

from tests.browser.support import CHROMIUM_ARGS


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def portal_url(wsgi_app):
    """The portal on waitress, on a free port of 127.0.0.1, against the test database."""
    server = create_server(wsgi_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
