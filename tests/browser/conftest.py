"""Headless Chromium for the browser tests: one browser per module, a new context per test."""

import os
from pathlib import Path

import pytest

from conftest import skip_or_fail

# Playwright's sync API runs an event loop in this thread; the ORM calls that the tests
# make around it (seeding the demo data) are plain synchronous calls, so allow them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (no cookies shared between accounts); closed after the test."""
    contexts = []

    def make(viewport=DESKTOP):
        # Reduced motion: Bootstrap then opens menus without animating them, so that
        # axe never looks at a menu half-way open.
        context = browser.new_context(viewport=viewport, locale="en-GB", reduced_motion="reduce")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def fast_passwords(settings):
    """The demo seed hashes seven passwords; a fast hasher keeps each test to a second or two."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
