"""In Debian's Chromium: a desk clicks "Sign in", lands on the provider, which is another
site than the console, allows the sign-in there and comes back signed in to its needs;
signing out leaves the provider too and ends on the sign-in page. A browser withholds a
Strict cookie from a navigation another site started: this is where that would show."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.oidc.conftest import register_need
from tests.support.identity_provider import IdentityProvider
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.e2e


def test_a_desk_clicks_sign_in_and_comes_back_from_the_provider_signed_in(
    identity_provider: IdentityProvider, demand: ServiceProcess, console: ServiceProcess, browser: Browser
) -> None:
    identity_provider.ask_consent = True
    mine = register_need(demand, identity_provider, identity_provider.user)
    context = browser.new_context(base_url=console.url)
    page = context.new_page()

    page.goto("/needs")  # not signed in: to the sign-in page
    expect(page).to_have_url(f"{console.url}/sign-in")
    page.get_by_role("link", name="Sign in with Test Identity").click()
    expect(page).to_have_url(re.compile(re.escape(f"{identity_provider.issuer}/authorize?")))
    page.get_by_role("button", name="Allow").click()  # the way back starts on the provider's site

    expect(page).to_have_url(f"{console.url}/needs")
    expect(page.locator(".who strong")).to_have_text("NLD")
    expect(page.locator(f'a[href="/needs/{mine}"]')).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{console.url}/sign-in")
    assert identity_provider.signed_out, "the provider's session was not ended"
    page.goto("/needs")
    expect(page).to_have_url(f"{console.url}/sign-in")
    context.close()
