"""A desk's and a company's pages in Debian's Chromium, against the three services on the
real broker: a desk places a call-off from its framework's page (a refusal names the field
and the rule, as the need form does) and finds it among its call-offs, as the framework's
supplier does among its own; contracts ending within some days beside the late lots; a
lot's history. Another nation's desk and another company see none of it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect

from bundling_shared.auth import Role
from tests.e2e.conftest import Platform
from tests.e2e.console.browsing import (
    accessibility_problems,
    bundled,
    contracted,
    every_field_labelled,
    shot,
    signed_in,
    weigh,
)
from tests.support.api import bearer, desk
from tests.support.processes import ServiceProcess
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e

ADMIN = bearer(Role.ADMIN, org="platform")


def test_a_desk_places_a_call_off_on_its_framework_and_finds_it_as_its_supplier_does(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    until = (TODAY + timedelta(days=400)).isoformat()
    registered = httpx.post(f"{platform.contracts.url}/v1/suppliers", headers=ADMIN,
                            json={"organisation": "LATARMS", "country": "LVA",
                                  "security_declaration_valid_until": until})  # fmt: skip
    assert registered.status_code == 201, registered.text
    body = {"item_code": "NLAW", "participants": {"LVA": 300}, "ceiling_quantity": 300,
            "start": TODAY.isoformat(), "end": (TODAY + timedelta(days=700)).isoformat(),
            "suppliers": {registered.json()["id"]: "21000.00"}}  # fmt: skip
    made = httpx.post(f"{platform.contracts.url}/v1/frameworks", json=body, headers=desk("LVA"))
    assert made.status_code == 201, made.text

    latvians, page = signed_in(browser, console, "nation_desk", "LVA")
    page.get_by_role("link", name="Frameworks").click()
    page.get_by_role("link", name="NLAW").click()
    every_field_labelled(page)
    due = (TODAY + timedelta(days=60)).isoformat()
    page.get_by_label("Quantity").fill("999999999999")  # above any quantity the service takes
    page.get_by_label("Delivery due").fill(due)
    page.get_by_role("button", name="Place the call-off").click()
    expect(page.get_by_role("alert")).to_contain_text("quantity")  # the field, named as the service named it
    page.get_by_label("Quantity").fill("400")  # above its share: the framework's rule refuses
    page.get_by_role("button", name="Place the call-off").click()
    expect(page.get_by_role("alert")).to_contain_text("exceeds LVA's remaining share of 300")
    expect(page.get_by_label("Quantity")).to_have_value("400")  # what was filled in stays
    expect(page.get_by_label("Delivery due")).to_have_value(due)
    page.get_by_label("Quantity").fill("120")
    page.get_by_label("Quantity").press("Enter")  # the keyboard places it as the button does
    expect(page.locator("[data-field=remaining]")).to_have_text("180")
    expect(page.locator("ol.trail")).to_contain_text("by ")  # the framework's change log, in words
    page.get_by_role("link", name="My call-offs").click()
    expect(page.locator("h1")).to_contain_text("Call-offs (1)")
    expect(page.locator("tbody")).to_contain_text(due)
    shot(page, "call-offs")
    weigh(page, "call-offs")
    assert accessibility_problems(page) == []

    company, supplier_page = signed_in(browser, console, "industry", "LATARMS")
    supplier_page.get_by_role("link", name="Call-offs").click()
    expect(supplier_page.locator("tbody")).to_contain_text("LVA")
    rival, rival_page = signed_in(browser, console, "industry", "BALTARMS")
    rival_page.goto("/call-offs")
    expect(rival_page.locator("h1")).to_contain_text("Call-offs (0)")
    estonians, est_page = signed_in(browser, console, "nation_desk", "EST")
    est_page.goto("/call-offs")
    expect(est_page.locator("h1")).to_contain_text("Call-offs (0)")
    for context in (latvians, company, rival, estonians):
        context.close()


def test_a_desk_sees_its_contracts_ending_soon_beside_late_lots_and_a_lots_history(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    start = TODAY + timedelta(days=60)
    end = start + timedelta(days=300)
    bundle_id = bundled(platform.demand.url, "EST", "AMMO-120MM", 500, (start.isoformat(), end.isoformat()))
    assert bundled(platform.demand.url, "LVA", "AMMO-120MM", 200, (start.isoformat(), end.isoformat())) == bundle_id
    estonia = bearer(Role.COORDINATOR, nation="EST")
    contract = contracted(platform, bundle_id, "EST", ["EST", "LVA"])
    lots = httpx.post(f"{platform.contracts.url}/v1/contracts/{contract['id']}/lots", headers=estonia,
                      json={"lots": [{"nation": "EST", "quantity": 500, "due_date": end.isoformat()},
                                     {"nation": "LVA", "quantity": 200, "due_date": end.isoformat()}]})  # fmt: skip
    assert lots.status_code == 201, lots.text

    estonians, page = signed_in(browser, console, "nation_desk", "EST")
    page.get_by_role("link", name="Expiring and late").click()
    every_field_labelled(page)
    days = (end - TODAY).days
    page.get_by_label("Contracts ending within (days)").fill(str(days - 1))
    page.get_by_label("Contracts ending within (days)").press("Enter")
    expect(page.locator("#ending tbody")).to_contain_text(f"None ends within {days - 1} days")
    page.get_by_label("Contracts ending within (days)").fill(str(days))
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#ending [data-field=ends]")).to_have_text(end.isoformat())
    expect(page.locator("#late")).to_contain_text("No lot is late")
    shot(page, "expiring-and-late")
    weigh(page, "expiring-and-late")
    assert accessibility_problems(page) == []

    page.locator("#ending a").click()
    page.locator("#live table").last.get_by_role("link", name="EST").click()
    expect(page.locator("h1")).to_contain_text("500 AMMO-120MM for EST")
    expect(page.locator("ol.trail")).to_contain_text("by ")  # the lot's history, in words
    slovaks, svk_page = signed_in(browser, console, "nation_desk", "SVK")
    svk_page.goto(f"/reports/follow-up?days={days}")
    expect(svk_page.locator("#ending tbody")).to_contain_text("None ends within")
    svk_page.goto(page.url.removeprefix(console.url))
    expect(svk_page.locator("h1")).to_have_text("Not found")
    for context in (estonians, slovaks):
        context.close()
