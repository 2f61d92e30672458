"""The console's main pages for each role pass axe-core's checks with no serious or
critical finding, and a desk uses a page with the keyboard alone: a skip link first,
every control showing where the focus is, a need's form filled in and sent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Platform
from tests.e2e.console.browsing import accessibility_problems, bundled, contracted, signed_in, weigh
from tests.support.processes import ServiceProcess
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e
ITEM = "NLAW"


def checked(page: Page, path: str, name: str, problems: dict[str, list[str]]) -> None:
    answer = page.goto(path)
    assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
    weigh(page, name)
    found = accessibility_problems(page)
    if found:
        problems[name] = found


def test_every_roles_main_pages_pass_axe_with_no_serious_finding(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    start = TODAY + timedelta(days=380)
    window = (start.isoformat(), (start + timedelta(days=400)).isoformat())
    bundle_id = bundled(platform.demand.url, "HRV", ITEM, 60, window)
    assert bundled(platform.demand.url, "SVN", ITEM, 40, window) == bundle_id
    contract = contracted(platform, bundle_id, "HRV", ["HRV", "SVN"])

    problems: dict[str, list[str]] = {}
    anonymous = browser.new_context(base_url=console.url)
    checked(anonymous.new_page(), "/sign-in", "sign-in", problems)
    anonymous.close()
    desk, page = signed_in(browser, console, "nation_desk", "HRV")
    page.goto("/needs")
    need_path = page.locator("tbody a").first.get_attribute("href") or ""
    for path, name in [
        ("/needs", "needs"), ("/needs/new", "need-form"), (need_path, "need"), ("/bundles", "bundles"),
        (f"/bundles/{bundle_id}", "bundle"), ("/contracts", "contracts"), (f"/contracts/{contract['id']}", "contract"),
        ("/frameworks", "frameworks"), ("/pledges", "pledges"), ("/endpoints", "endpoints"),
        ("/production-lines", "production-lines"), ("/reports/deliveries", "deliveries"),
        ("/reports/industrial-base", "industrial-base"), (f"/demand-sheet/{ITEM}", "demand-sheet"),
    ]:  # fmt: skip
        checked(page, path, name, problems)
    coordinator, board = signed_in(browser, console, "coordinator", "HRV")
    checked(board, "/bundles", "bundle-board", problems)
    checked(board, f"/bundles/{bundle_id}", "bundle-coordinator", problems)
    company = browser.new_context(base_url=console.url)
    tenders = company.new_page()
    tenders.goto("/sign-in")
    tenders.locator("input[value=industry]").check()
    tenders.locator("#organisation").fill("DURO-DAKOVIC")
    tenders.locator("#organisation").press("Enter")  # a company lands on its open tenders
    expect(tenders.locator("h1")).to_contain_text("Open tenders")
    for path, name in [("/tenders", "tenders"), ("/endpoints", "company-endpoints")]:
        checked(tenders, path, name, problems)
    assert problems == {}, "\n".join(f"{page}: {found}" for page, found in problems.items())
    for context in (desk, coordinator, company):
        context.close()


def focus_shows(page: Page) -> str:
    """What has the focus, if the console's own focus style draws it (a solid ring of 2 px or
    more: the browser's default one is thin and blue, and hardly seen on the blue menu bar);
    '' when it does not."""
    shown: str = page.evaluate(
        """() => {
             const el = document.activeElement;
             const style = getComputedStyle(el);
             const drawn = el.matches(':focus-visible') && style.outlineStyle === 'solid'
               && parseFloat(style.outlineWidth) >= 2;
             return drawn ? (el.id || el.getAttribute('name') || el.textContent.trim()) : '';
           }"""
    )
    return shown


def tab_to(page: Page, selector: str) -> None:
    """Tab on (through a date field's own parts too) to the control, which must show the focus."""
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            assert focus_shows(page), f"{selector} has the focus and does not show it"
            return
    raise AssertionError(f"Tab never reached {selector}")


def as_typed(page: Page, day: date) -> str:
    """The keys a date field takes for `day`: its parts in the order of the browser's locale."""
    order: list[str] = page.evaluate(
        """() => new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2000, 10, 22))
                   .map(part => part.type).filter(type => ['day', 'month', 'year'].includes(type))"""
    )
    return "".join({"day": f"{day:%d}", "month": f"{day:%m}", "year": f"{day:%Y}"}[part] for part in order)


def test_a_desk_registers_a_need_with_the_keyboard_alone(console: ServiceProcess, browser: Browser) -> None:
    context, page = signed_in(browser, console, "nation_desk", "SVN")
    page.goto("/needs")
    page.keyboard.press("Tab")
    assert focus_shows(page) == "Skip to main content", "the skip link comes first, visibly focused"
    reached = []
    for _ in range(12):  # every control of the page and its menu shows the focus as it gets it
        page.keyboard.press("Tab")
        reached.append(focus_shows(page))
    assert "" not in reached and "Register a need" in reached, reached

    page.goto("/needs/new")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: the focus moves to the main content
    assert page.evaluate("document.activeElement.id") == "main"
    start, until = TODAY + timedelta(days=390), TODAY + timedelta(days=690)
    for field, keys in [("item_code", "NLAW"), ("quantity", "250"), ("window_start", as_typed(page, start)),
                        ("window_end", as_typed(page, until))]:  # fmt: skip
        tab_to(page, f"#{field}")
        page.keyboard.type(keys)
    assert page.locator("#item_code").input_value() == "NLAW"
    assert page.locator("#window_start").input_value() == start.isoformat()
    assert page.locator("#window_end").input_value() == until.isoformat()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("NLAW · 250 for SVN")
    context.close()
