"""The coordinator's pages in Debian's Chromium, against the three services on the real
broker: a procurement's offers ranked once awarded, with its weights and why each offer
ranks where it does, awarded and signed only after a ticked confirmation; a fund with its
contributions, purchases and what is left, linked from a bundle's money; a bundle closed
and cancelled after a ticked confirmation; a company reads the fund's notice again beside
the open tenders. Each page shows its trail of decisions, and a second nation's desk or a
rival company sees none of the first one's figures."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect

from bundling_shared.auth import Role
from tests.e2e.conftest import Platform
from tests.e2e.console.browsing import (
    LIVE_WITHIN_MS,
    accessibility_problems,
    bundled,
    eventually_json,
    every_field_labelled,
    shot,
    signed_in,
    weigh,
)
from tests.support.api import bearer, desk, industry
from tests.support.processes import ServiceProcess
from tests.support.today import TODAY, clock_start

pytestmark = pytest.mark.e2e

ADMIN = bearer(Role.ADMIN, org="platform")


@contextmanager
def contracts_living_ahead(platform: Platform, days: int) -> Iterator[None]:
    """The contracts service restarted `days` ahead (offers close, a standstill runs out),
    then back on the system clock, on the same port the console calls."""
    contracts = platform.contracts
    port = contracts.port
    contracts.stop()
    contracts.env["CLOCK_START"] = clock_start(days)
    try:
        contracts.start()
        assert contracts.port == port, "the console calls the contracts service where it was"
        yield
    finally:
        contracts.stop()
        contracts.env.pop("CLOCK_START", None)
        contracts.start()


def _supplier(platform: Platform, org: str, country: str) -> str:
    body = {"organisation": org, "country": country,
            "security_declaration_valid_until": (TODAY + timedelta(days=400)).isoformat()}  # fmt: skip
    made = httpx.post(f"{platform.contracts.url}/v1/suppliers", json=body, headers=ADMIN)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_coordinator_reads_the_ranking_and_why_awards_after_confirming_and_others_see_no_figures(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    today = TODAY
    for org, country in (("BALTARMS", "EST"), ("TATRADEF", "SVK")):
        _supplier(platform, org, country)
    estonia = bearer(Role.COORDINATOR, nation="EST")
    body = {"item_code": "AMMO-35MM", "buyer_nation": "EST", "nations": ["EST"], "quantity": 2_000,
            "tender_date": today.isoformat(), "offers_due": today.isoformat(), "standstill_days": 10,
            "weights": {"price": 50, "delivery": 20, "origin": 20, "industrial_participation": 10},
            "quality_gates": []}  # fmt: skip
    opened = httpx.post(f"{platform.contracts.url}/v1/procurements", json=body, headers=estonia)
    assert opened.status_code == 201, opened.text
    procurement = opened.json()
    offers = {
        "BALTARMS": {"unit_price_eur": "950.00", "origin_country": "EST", "eu_component_share": 0.95},
        "TATRADEF": {"unit_price_eur": "910.00", "origin_country": "SVK", "eu_component_share": 0.7},
    }
    for org, terms in offers.items():
        local = {"EST": 0.3} if org == "BALTARMS" else {}
        offer = {**terms, "first_delivery": (today + timedelta(days=120)).isoformat(), "monthly_rate": 400,
                 "non_associated_component_share": 0.05, "local_production": local}  # fmt: skip
        made = httpx.post(f"{platform.contracts.url}/v1/procurements/{procurement['id']}/offers", json=offer,
                          headers=industry(org))  # fmt: skip
        assert made.status_code == 201, made.text

    coordinators, page = signed_in(browser, console, "coordinator", "EST")
    page.get_by_role("link", name="Procurements").click()
    expect(page.locator("h1")).to_contain_text("Procurements (1)")
    page.get_by_role("link", name="AMMO-35MM").click()
    expect(page.locator("[data-weight=price]")).to_have_text("50 %")
    expect(page.locator("[data-weight='industrial participation']")).to_have_text("10 %")
    expect(page.locator("main")).to_contain_text("950.00 EUR")
    expect(page.locator("main")).to_contain_text("910.00 EUR")
    expect(page.locator("ol.trail")).to_contain_text("EST opened the open procedure for 2,000 AMMO-35MM")
    every_field_labelled(page)
    procurement_path = page.url.removeprefix(console.url)
    page.get_by_role("button", name="Award").click()
    expect(page.get_by_role("alert")).to_contain_text("tick the box")

    with contracts_living_ahead(platform, days=1):  # the offers were due yesterday
        page.goto(procurement_path)
        page.get_by_label("I confirm: award this procurement").check()
        page.get_by_role("button", name="Award").press("Enter")  # the keyboard acts as the click does
        expect(page.locator("[data-field=status]")).to_contain_text("standstill")
        ranking = page.locator("table.ranking tbody tr")
        expect(ranking).to_have_count(2)
        expect(ranking.first).to_contain_text("ranked 1 of 2")
        expect(ranking.last).to_contain_text("behind the winner")
        expect(page.locator("ol.trail")).to_contain_text("awarded to")
        shot(page, "procurement-ranking")
        weigh(page, "procurement-ranking")
        assert accessibility_problems(page) == []
        page.get_by_label("I confirm: sign this procurement").check()
        page.get_by_role("button", name="Sign the contract").click()
        expect(page.get_by_role("alert")).to_contain_text("standstill")  # the service's rule, as it said it

        # A rival company sees its own offer and score, none of the other's price nor the reasons.
        rivals, rival_page = signed_in(browser, console, "industry", "TATRADEF")
        rival_page.goto(procurement_path)
        text = rival_page.locator("main").inner_text()
        assert "910.00" in text and "950.00" not in text and "behind the winner" not in text
        expect(rival_page.locator("table.ranking tbody tr")).to_have_count(1)

    # Another nation's desk finds no procurement, and the page of this one is not there for it.
    latvians, lva_page = signed_in(browser, console, "nation_desk", "LVA")
    lva_page.get_by_role("link", name="Procurements").click()
    expect(lva_page.locator("h1")).to_contain_text("Procurements (0)")
    lva_page.goto(procurement_path)
    expect(lva_page.locator("h1")).to_have_text("Not found")
    for context in (coordinators, rivals, latvians):
        context.close()


def test_a_fund_shows_its_money_from_a_bundle_and_a_coordinator_closes_then_cancels_after_confirming(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    hook = {"url": platform.receiver.url("/hooks/TATRADEF"), "description": "TATRADEF sales desk"}
    subscribed = httpx.post(f"{platform.notifications.url}/v1/endpoints", json=hook, headers=industry("TATRADEF"))
    assert subscribed.status_code == 201, subscribed.text
    czechia = bearer(Role.COORDINATOR, nation="CZE")
    fund = {"lead": "CZE", "purpose": "Tank rounds for Ukraine", "item_codes": ["AMMO-120MM"], "beneficiary": "UKR"}
    opened = httpx.post(f"{platform.demand.url}/v1/funds", json=fund, headers=czechia)
    assert opened.status_code == 201, opened.text
    fund_id = opened.json()["id"]
    pledge = {"nation": "SVK", "amount": {"amount": "7250000.00"}, "beneficiary": "UKR", "fund_id": fund_id}
    pledged = httpx.post(f"{platform.demand.url}/v1/pledges", json=pledge, headers=desk("SVK"))
    assert pledged.status_code == 201, pledged.text

    start = TODAY + timedelta(days=900)
    window = (start.isoformat(), (start + timedelta(days=300)).isoformat())
    bundle_id = bundled(platform.demand.url, "CZE", "AMMO-120MM", 3_000, window)
    assert bundled(platform.demand.url, "SVK", "AMMO-120MM", 1_000, window) == bundle_id

    slovaks, page = signed_in(browser, console, "nation_desk", "SVK")
    page.get_by_role("link", name="Funds").click()
    page.get_by_role("link", name="Tank rounds for Ukraine").click()
    expect(page.locator("[data-field=contributors]")).to_have_text("SVK")
    expect(page.locator("main")).to_contain_text("7250000.00 EUR")
    expect(page.locator("[data-field=balance]")).to_contain_text("0.00 EUR")
    shot(page, "fund")
    weigh(page, "fund")
    assert accessibility_problems(page) == []

    # Slovenia contributes nothing: the fund is not in its list, and it reads no nation's amount.
    slovenes, svn_page = signed_in(browser, console, "nation_desk", "SVN")
    svn_page.get_by_role("link", name="Funds").click()
    expect(svn_page.locator("h1")).to_contain_text("Funds (0)")
    svn_page.goto(page.url.removeprefix(console.url))
    expect(svn_page.locator("[data-field=pledged]")).to_contain_text("from 1 nation(s)")
    assert "7250000.00" not in svn_page.locator("table").first.inner_text()

    coordinators, board = signed_in(browser, console, "coordinator", "CZE")
    board.goto(f"/bundles/{bundle_id}")
    expect(board.locator("[data-field=total]")).to_have_text("4,000", timeout=LIVE_WITHIN_MS)
    board.locator("[data-field=funds] a").click()
    expect(board.locator("h1")).to_contain_text("Tank rounds for Ukraine · fund led by CZE")
    expect(board.locator("main")).to_contain_text("7250000.00 EUR")  # its lead reads every pledge

    board.goto(f"/bundles/{bundle_id}")
    every_field_labelled(board)
    board.get_by_label("Reason to close").fill("enough nations for one order")
    board.get_by_role("button", name="Close the bundle").click()
    expect(board.get_by_role("alert")).to_contain_text("tick the box to confirm: close this bundle")
    board.get_by_label("Reason to close").fill("enough nations for one order")
    board.get_by_label("I confirm: close this bundle").check()
    board.get_by_role("button", name="Close the bundle").click()
    expect(board.locator("ol.trail")).to_contain_text("enough nations for one order", timeout=LIVE_WITHIN_MS)
    board.get_by_label("Reason to cancel").fill("the budget moved to next year")
    board.get_by_label("I confirm: cancel this bundle").check()
    board.get_by_role("button", name="Cancel the bundle").click()
    expect(board.locator("[data-field=status]")).to_have_text("cancelled", timeout=LIVE_WITHIN_MS)
    expect(board.locator("ol.trail")).to_contain_text("the budget moved to next year")
    expect(board.get_by_role("button", name="Cancel the bundle")).to_have_count(0)

    # A company told of the fund by its webhook reads the notice again beside the open
    # tenders; a company with no endpoint was told nothing.
    told = f"{platform.notifications.url}/v1/opportunities"
    deadline = time.monotonic() + LIVE_WITHIN_MS / 1000
    while eventually_json(told, industry("TATRADEF"))["total"] == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
    company, company_page = signed_in(browser, console, "industry", "TATRADEF")
    expect(company_page.locator("#notices")).to_contain_text("fund opened")
    expect(company_page.locator("#notices")).to_contain_text("a fund led by CZE for UKR: Tank rounds for Ukraine")
    shot(company_page, "tenders-and-notices")
    weigh(company_page, "tenders-and-notices")
    assert accessibility_problems(company_page) == []
    rival, rival_page = signed_in(browser, console, "industry", "BALTARMS")
    expect(rival_page.locator("#notices")).to_contain_text("None yet")
    for context in (slovaks, slovenes, coordinators, company, rival):
        context.close()
