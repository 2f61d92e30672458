"""What the browser tests do again and again: sign in as someone, keep a screenshot and the
page's weight, check that every field has a label, wait for a service to answer."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bundling_shared.auth import Role
from tests.e2e.conftest import Platform
from tests.support.api import bearer, desk
from tests.support.processes import ServiceProcess
from tests.support.today import TODAY

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
    page.get_by_role("radio", name=ROLE_LABELS[role]).check()  # "Company" also begins a field's label
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


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands. axe comes from the
    axe-playwright-python package and is run through the browser's debugging protocol, which
    the console's content security policy (scripts from the console alone) does not govern."""
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def bundled(demand_url: str, nation: str, item: str, quantity: int, window: tuple[str, str]) -> str:
    """A need of `nation` registered through the API; the bundle it joins."""
    need = {"nation": nation, "item_code": item, "quantity": quantity,
            "delivery_window": {"start": window[0], "end": window[1]}}  # fmt: skip
    made = httpx.post(f"{demand_url}/v1/needs", json=need, headers=desk(nation))
    assert made.status_code == 201, made.text
    url = f"{demand_url}/v1/needs/{made.json()['id']}"
    deadline = time.monotonic() + LIVE_WITHIN_MS / 1000
    while time.monotonic() < deadline:
        bundle_id = httpx.get(url, headers=desk(nation)).json().get("bundle_id")
        if bundle_id:
            return str(bundle_id)
        time.sleep(0.2)
    raise AssertionError(f"{nation}'s need joined no bundle")


def contracted(platform: Platform, bundle_id: str, lead: str, nations: list[str]) -> dict[str, Any]:
    """The bundle opened by `lead`'s coordinator, confirmed by every nation, committed: its contract."""
    coordinator = bearer(Role.COORDINATOR, nation=lead)
    deadline = (TODAY + timedelta(days=10)).isoformat()
    answers = [(f"/v1/bundles/{bundle_id}/open", {"deadline": deadline, "minimum_nations": 2}, coordinator)]
    answers += [(f"/v1/bundles/{bundle_id}/participation", {"decision": "confirm"}, desk(n)) for n in nations]
    answers += [(f"/v1/bundles/{bundle_id}/commit", {}, coordinator)]
    for path, body, headers in answers:
        answered = httpx.post(f"{platform.demand.url}{path}", json=body, headers=headers)
        assert answered.status_code < 300, answered.text
    return eventually_json(f"{platform.contracts.url}/v1/joint-orders/{bundle_id}/contract", coordinator)


def weigh(page: Page, name: str) -> None:
    """The page's bytes as sent, the bytes of the styles and script it uses (sent, or kept
    from before), and its first contentful paint in ms, appended to WEIGHTS."""
    if not WEIGHTS:
        return
    page_bytes, assets, paint = page.evaluate(
        """() => new Promise(done => {
             const report = paint => done([
               performance.getEntriesByType('navigation')[0].transferSize,
               performance.getEntriesByType('resource').reduce((sum, r) => sum + r.encodedBodySize, 0),
               paint ? Math.round(paint.startTime) : null]);
             new PerformanceObserver(list => {
               const painted = list.getEntriesByName('first-contentful-paint')[0];
               if (painted) report(painted);
             }).observe({type: 'paint', buffered: true});
             setTimeout(() => report(null), 2000);
           })"""
    )
    with Path(WEIGHTS).open("a") as out:
        out.write(f"{name}\t{page_bytes}\t{assets}\t{paint}\n")
