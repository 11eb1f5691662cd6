"""What the Chromium journeys share: the browser's flags, a phone's viewport, logging in, and waiting for the
real workers by reloading as a user would. The fixtures (`portal_url`, `browser`) are in conftest.py."""
from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.journeys import PASSWORD, wait_for

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda address: "/login" not in address)  # logged in and sent on


def reload_until(page: Page, ready) -> None:
    """The pipeline runs in real workers: reload as a user would until the page shows what we wait for."""
    def shown():
        page.wait_for_load_state()
        try:
            page.reload()
        except PlaywrightError:
            # Chromium sometimes swaps the page's renderer between loads, and a reload sent to the old
            # one fails with "Not attached to an active page": the next round reloads again, as a user would.
            return False
        return ready()

    wait_for(shown, timeout=60, every=0.3)
