"""Signing in as a company: its role's radio is named "Company", as the organisation
field's label begins, so the radio is found by its role."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.processes import ServiceProcess


def company_signed_in(browser: Browser, console: ServiceProcess, org: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(base_url=console.url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_role("radio", name="Company").check()
    page.get_by_label("Agency or company (e.g. NSPA, NAMMO)").fill(org)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who strong")).to_have_text(org)
    return context, page
