# The project's headless Chromium fixtures (one browser per module, a fresh context per test).
from tests.browser.conftest import browser, fast_passwords, new_page  # noqa: F401
