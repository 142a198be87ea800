"""Sign in as each demo role and save screenshots of the pages it sees, at desktop and phone
widths, in var/screenshots/ (the sign-in page, the home page, the organisation list and the
person's organisation page; the phone menu opened once).

Usage: python scripts/screenshots.py [base_url] [path ...]
  base_url  a running server with the demo data (make demo), default http://127.0.0.1:8000
  path ...  further pages to capture for every account, e.g. /accounts/email/

CHROMIUM_PATH overrides the browser (default /usr/bin/chromium: apt-get install chromium)."""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/")
EXTRA_PATHS = sys.argv[2:]
OUT = Path("var/screenshots")
PASSWORD = os.environ.get("DEMO_PASSWORD", "medsafety-demo")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=en-GB"]
# email, and the ODS code of the organisation page to capture
ACCOUNTS = [
    ("registry@medsafety.example", "R9R"),
    ("staff@riverside.example", "R9R"),
    ("mso@riverside.example", "R9R"),
    ("director@riverside.example", "R9R"),
    ("cso@riverside.example", "R9R"),
    ("governance@riverside.example", "R9R"),
    ("mso@hillside.example", "R9H"),
]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def shot(page, name: str):
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"{name}.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        print(f"  warning: {name} is {overflow}px wider than the window")


def sign_in(page, email: str):
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{BASE}/")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, locale="en-GB")
            page = context.new_page()
            page.goto(f"{BASE}/accounts/login/")
            shot(page, f"{size}-login")
            page.get_by_label("Email").fill("staff@riverside.example")
            page.get_by_label("Password").fill("not-the-password")
            page.get_by_role("button", name="Sign in").click()
            shot(page, f"{size}-login-error")
            context.close()

            for email, ods_code in ACCOUNTS:
                name = email.replace("@", "-").split(".")[0]
                context = browser.new_context(viewport=viewport, locale="en-GB")
                page = context.new_page()
                sign_in(page, email)
                shot(page, f"{size}-{name}-home")
                page.goto(f"{BASE}/organisations/")
                shot(page, f"{size}-{name}-organisations")
                page.goto(f"{BASE}/organisations/{ods_code}/")
                shot(page, f"{size}-{name}-organisation-{ods_code}")
                for path in EXTRA_PATHS:
                    page.goto(f"{BASE}{path}")
                    shot(page, f"{size}-{name}{path.rstrip('/').replace('/', '-')}")
                if size == "phone" and email == "mso@riverside.example":
                    page.goto(f"{BASE}/")
                    page.get_by_role("button", name="menu").click()
                    page.wait_for_timeout(500)  # the collapse animation
                    page.screenshot(path=OUT / f"{size}-{name}-menu-open.png")
                if size == "desktop" and email == "mso@riverside.example":
                    page.goto(f"{BASE}/")
                    page.get_by_role("button", name="Priya").click()
                    page.wait_for_timeout(300)
                    page.screenshot(path=OUT / f"{size}-{name}-account-menu.png")
                context.close()
        browser.close()
    print(f"screenshots in {OUT}/")


if __name__ == "__main__":
    main()
