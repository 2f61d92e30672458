"""What the browser tests do again and again: sign in as someone, keep a screenshot and the
page's weight, check that every field has a label, wait for a service to answer."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.processes import ServiceProcess

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = os.environ.get("CONSOLE_SCREENSHOTS")
"""Where to keep screenshots of the main pages (the README shows them); none when unset."""
WEIGHTS = os.environ.get("CONSOLE_PAGE_WEIGHTS")
"""A file to append each main page's bytes and time to first paint to, as the browser measured them."""
LIVE_WITHIN_MS = 10_000
"""The services bundle a need within a second or two; the page follows within its poll."""

ROLE_LABELS = {"nation_desk": "National desk", "coordinator": "Coordinator", "industry": "Company"}


def signed_in(browser: Browser, console: ServiceProcess, role: str, party: str) -> tuple[BrowserContext, Page]:
    """A fresh browser context signed in through the development sign-in page."""
    context = browser.new_context(base_url=console.url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label(ROLE_LABELS[role]).check()
    if role == "industry":
        page.get_by_label("Agency or company (e.g. NSPA, NAMMO)").fill(party)
    else:
        page.get_by_label("Nation (ISO alpha-3, e.g. NLD)").fill(party)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who strong")).to_have_text(party)
    return context, page


def shot(page: Page, name: str) -> None:
    if WEIGHTS:
        measured = page.evaluate(
            """() => {
                 const nav = performance.getEntriesByType('navigation')[0];
                 const paint = performance.getEntriesByName('first-contentful-paint')[0];
                 const assets = performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0);
                 return {page: nav.transferSize, assets, paint: paint ? paint.startTime : null};
               }"""
        )
        with Path(WEIGHTS).open("a") as out:
            out.write(f"{name}\t{measured['page']}\t{measured['assets']}\t{measured['paint']}\n")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def every_field_labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(f => f.labels.length === 0).map(f => f.name)"""
    )
    assert unlabelled == [], f"fields without a label: {unlabelled}"


def eventually_json(url: str, headers: dict[str, str], timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(url, headers=headers)
        if answer.status_code == 200:
            found: dict[str, Any] = answer.json()
            return found
        time.sleep(0.3)
    raise AssertionError(f"{url} still answers {answer.status_code}: {answer.text}")
