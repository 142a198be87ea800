"""Sign in as each demo role and save a screenshot of the pages it sees (var/screenshots/).

Usage: python scripts/screenshots.py [base_url] [path ...]  (server must be running)."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
EXTRA_PATHS = sys.argv[2:]
OUT = Path("var/screenshots")
ACCOUNTS = ["staff@riverside.example", "mso@riverside.example", "registry@medsafety.example"]
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{BASE}/accounts/login/")
        page.screenshot(path=OUT / "login.png", full_page=True)
        for email in ACCOUNTS:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{BASE}/accounts/login/")
            page.fill("input[name=login]", email)
            page.fill("input[name=password]", "medsafety-demo")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            name = email.split("@")[0] + "-" + email.split("@")[1].split(".")[0]
            page.screenshot(path=OUT / f"home-{name}.png", full_page=True)
            for path in EXTRA_PATHS:
                page.goto(f"{BASE}{path}")
                page.screenshot(path=OUT / f"{name}{path.replace('/', '_')}.png", full_page=True)
            context.close()
        browser.close()
    print(f"screenshots in {OUT}/")


if __name__ == "__main__":
    main()
