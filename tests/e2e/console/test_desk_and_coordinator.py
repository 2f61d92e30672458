"""The console in Debian's Chromium, against the three services on the real broker: a desk
registers a need through the form, seeing beforehand which bundle it would join and why,
and watches it join a bundle live; a second nation joins and the first desk's page updates
by itself; the second desk sees the totals and its own line, never the first one's; a
coordinator commits with a confirmation. Every form field is labelled, the pages carry
their security headers and no page loads a script from elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Response, expect

from bundling_shared.auth import Role
from tests.e2e.conftest import Platform
from tests.e2e.console.browsing import LIVE_WITHIN_MS, eventually_json, every_field_labelled, shot, signed_in
from tests.support.api import bearer, desk
from tests.support.processes import ServiceProcess
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e


def test_a_desk_registers_a_need_sees_it_bundled_live_and_a_partner_sees_only_its_own_line(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    start = TODAY + timedelta(days=400)
    window = (start.isoformat(), (start + timedelta(days=700)).isoformat())

    dutch, page = signed_in(browser, console, "nation_desk", "NLD")
    foreign_scripts: list[str] = []
    page.on("request", lambda r: foreign_scripts.append(r.url) if not r.url.startswith(console.url) else None)
    answer = page.goto("/needs/new")
    assert answer is not None
    headers = answer.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    every_field_labelled(page)

    page.get_by_label("Item").select_option("AMMO-155MM")
    page.get_by_label("Quantity").fill("1000")
    page.get_by_label("Delivery from").fill(window[0])
    page.get_by_label("Delivery until").fill(window[1])
    expect(page.locator("#preview")).to_contain_text("Opens a new bundle", timeout=LIVE_WITHIN_MS)
    expect(page.locator("#preview")).to_contain_text("Why:")
    shot(page, "need-form-with-preview")
    page.get_by_label("Quantity").press("Enter")  # the keyboard saves the form as the button does

    expect(page.locator("h1")).to_contain_text("AMMO-155MM · 1,000 for NLD")
    expect(page.locator("[data-field=status]")).to_have_text("bundled", timeout=LIVE_WITHIN_MS)
    every_field_labelled(page)
    page.get_by_label("New quantity").fill("999999999999")  # above any quantity the service takes
    page.get_by_role("button", name="Amend").click()
    expect(page.get_by_role("alert")).to_contain_text("quantity")  # the service's rule, shown as it said it
    page.get_by_label("New quantity").fill("1000")
    page.get_by_role("button", name="Amend").click()
    expect(page.locator("[data-field=status]")).to_have_text("bundled", timeout=LIVE_WITHIN_MS)
    page.locator("[data-field=bundle] a").click()
    expect(page.locator("[data-field=total]")).to_have_text("1,000")
    bundle_url = page.url

    # Germany registers through the API; the Dutch page updates by itself.
    german = {"nation": "DEU", "item_code": "AMMO-155MM", "quantity": 500,
              "delivery_window": {"start": window[0], "end": window[1]}}  # fmt: skip
    assert httpx.post(f"{platform.demand.url}/v1/needs", json=german, headers=desk("DEU")).status_code == 201
    expect(page.locator("[data-field=total]")).to_have_text("1,500", timeout=LIVE_WITHIN_MS)
    expect(page.locator("[data-field=nations]")).to_contain_text("DEU, NLD")
    shot(page, "bundle-live")

    # Germany's desk sees the totals and its own line, nothing of the Dutch 1,000.
    germans, deu_page = signed_in(browser, console, "nation_desk", "DEU")
    bodies: list[str] = []

    def keep(response: Response) -> None:
        if response.url.startswith(console.url) and "text/html" in response.headers.get("content-type", ""):
            bodies.append(response.text())

    deu_page.on("response", keep)
    deu_page.goto(bundle_url.removeprefix(console.url))
    expect(deu_page.locator("[data-field=total]")).to_have_text("1,500", timeout=LIVE_WITHIN_MS)
    participation = deu_page.locator("table").inner_text()
    assert "DEU" in participation and "NLD" not in participation
    assert "1,000" not in deu_page.locator("main").inner_text()
    assert bodies and all("1,000" not in body for body in bodies), "no answer to Germany carries the Dutch line"

    # The Dutch coordinator opens it for accession; each desk answers on its page.
    coordinators, coordinator_page = signed_in(browser, console, "coordinator", "NLD")
    coordinator_page.goto(bundle_url.removeprefix(console.url))
    expect(coordinator_page.get_by_role("heading", name="Money")).to_be_visible()
    expect(coordinator_page.locator("[data-field=gap]")).to_contain_text("EUR not covered by confirmed pledges")
    coordinator_page.get_by_label("Nations answer by").fill((TODAY + timedelta(days=10)).isoformat())
    coordinator_page.get_by_role("button", name="Open for accession").click()
    expect(coordinator_page.locator("[data-field=status]")).to_have_text("open")
    expect(page.locator("[data-field=deadline]")).to_contain_text("day(s) left", timeout=LIVE_WITHIN_MS)
    for desk_page in (page, deu_page):
        desk_page.goto(bundle_url.removeprefix(console.url))
        every_field_labelled(desk_page)
        desk_page.get_by_role("radio", name="Confirm").check()
        desk_page.get_by_role("button", name="Send my answer").click()
        expect(desk_page.locator("table").first).to_contain_text("confirmed")

    # The board shows who confirmed against the minimum, and what the bundle qualifies for.
    coordinator_page.goto("/bundles")
    row = coordinator_page.locator(
        "tr", has=coordinator_page.locator(f"a[href='{bundle_url.removeprefix(console.url)}']")
    )
    expect(row.locator("[data-field=confirmed]")).to_have_text("2 of at least 2")
    expect(row.locator("[data-field=funding]")).to_contain_text("SAFE")  # two states; EDIP needs three

    # The item's demand sheet counts the open bundle: a link for its lead, plain text for a
    # desk that is not in it and could not open it.
    bundle_path = bundle_url.removeprefix(console.url)
    coordinator_page.goto("/demand-sheet/AMMO-155MM")
    expect(coordinator_page.locator(f"a[href='{bundle_path}']")).to_have_count(1)
    italians, ita_page = signed_in(browser, console, "nation_desk", "ITA")
    ita_page.goto("/demand-sheet/AMMO-155MM")
    expect(ita_page.locator("main")).to_contain_text(bundle_path.rsplit("/", 1)[-1])
    expect(ita_page.locator(f"a[href='{bundle_path}']")).to_have_count(0)
    italians.close()

    # The Dutch coordinator commits, after confirming.
    coordinator_page.goto(bundle_url.removeprefix(console.url))
    coordinator_page.get_by_role("button", name="Commit").click()
    expect(coordinator_page.get_by_role("alert")).to_contain_text("tick the box")
    coordinator_page.get_by_label("I confirm committing this bundle as an order").check()
    coordinator_page.get_by_role("button", name="Commit").click()
    expect(coordinator_page.locator("[data-field=status]")).to_have_text("committed", timeout=LIVE_WITHIN_MS)
    expect(page.locator("[data-field=status]")).to_have_text("committed", timeout=LIVE_WITHIN_MS)
    coordinator_page.goto("/demand-sheet/AMMO-155MM")
    expect(coordinator_page.locator("svg.chart title").first).to_contain_text(
        "Demand for own forces and for Ukraine against declared capacity"
    )
    expect(coordinator_page.locator(f"td[data-year='{start.year}']")).to_have_text("1,500")
    expect(coordinator_page.locator(f"td[data-own-year='{start.year}']")).to_have_text("1,500")
    expect(coordinator_page.locator(f"td[data-ukraine-year='{start.year}']")).to_have_text("0")
    shot(coordinator_page, "demand-sheet")

    # The contract follows from Kafka; its lots are planned and one is delivered: the Dutch
    # desk's contract page shows planned against delivered per month and updates by itself.
    bundle_id = bundle_url.rsplit("/", 1)[-1]
    lead = bearer(Role.COORDINATOR, nation="NLD")
    contract = eventually_json(f"{platform.contracts.url}/v1/joint-orders/{bundle_id}/contract", lead)
    due = (TODAY + timedelta(days=30)).isoformat()
    lots = httpx.post(f"{platform.contracts.url}/v1/contracts/{contract['id']}/lots", headers=lead,
                      json={"lots": [{"nation": "NLD", "quantity": 400, "due_date": due},
                                     {"nation": "DEU", "quantity": 500, "due_date": due}]})  # fmt: skip
    assert lots.status_code == 201, lots.text
    page.goto("/contracts")
    page.get_by_role("link", name="AMMO-155MM").click()
    expect(page.locator("svg.chart title").first).to_contain_text("Planned against delivered per month")
    month = due[:7]
    expect(page.locator(f"td[data-month='{month}']")).to_have_text("0")
    dutch_lot = next(lot for lot in lots.json() if lot["nation"] == "NLD")
    delivered = httpx.post(f"{platform.contracts.url}/v1/lots/{dutch_lot['id']}/deliveries", headers=lead,
                           json={"quantity": 150, "delivered_on": TODAY.isoformat()})  # fmt: skip
    assert delivered.status_code == 200, delivered.text
    expect(page.locator(f"td[data-month='{month}']")).to_have_text("150", timeout=LIVE_WITHIN_MS)
    shot(page, "contract-deliveries")
    expect(page.locator("ol.trail")).to_contain_text("by ")  # the contract's change log, in words
    assert "DEU" in page.locator("#live table").last.inner_text(), "the lead's desk sees every lot"
    deu_page.goto(page.url.removeprefix(console.url))
    german_lots = deu_page.locator("#live table").last.inner_text()
    assert "DEU" in german_lots and "NLD" not in german_lots, "a partner's desk sees its own lots alone"
    expect(deu_page.locator(f"td[data-month='{month}']")).to_have_text("0")

    page.get_by_role("link", name="Deliveries").click()
    expect(page.locator("tbody")).to_contain_text(contract["id"])
    expect(page.locator("[data-field=late]")).to_contain_text("0 lot(s) past due")
    recorded = {"reference": "NL-2023-1", "value_eur": "59000000.00", "signed_on": "2023-05-01",
                "supplier_name": "Thales Nederland", "supplier_country": "NLD"}  # fmt: skip
    assert httpx.post(f"{platform.contracts.url}/v1/national-purchases", json=recorded,
                      headers=desk("NLD")).status_code == 201  # fmt: skip
    page.get_by_role("link", name="Industrial base").click()
    expect(page.locator("td[data-year='2023'][data-nation='NLD']")).to_have_text("100 %")

    assert foreign_scripts == [], f"requests left the console: {foreign_scripts}"
    for context in (dutch, germans, coordinators):
        context.close()


def test_a_page_asks_for_a_sign_in_and_a_form_without_its_token_is_refused(
    console: ServiceProcess,
) -> None:
    plain = httpx.get(f"{console.url}/needs", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/sign-in"
    forged = httpx.post(f"{console.url}/sign-in", data={"role": "nation_desk", "nation": "NLD"})
    assert forged.status_code == 403, "a form without the session's CSRF token is refused"
    scraped = httpx.get(f"{console.url}/metrics").text
    assert 'http_requests_total{method="GET",route="/needs",service="console",status="303"}' in scraped


def test_a_desk_imports_needs_from_a_spreadsheet_with_one_bad_row_and_downloads_them(
    console: ServiceProcess, browser: Browser, tmp_path: Path
) -> None:
    start = TODAY + timedelta(days=500)
    end = start + timedelta(days=600)
    sheet = tmp_path / "needs.csv"
    sheet.write_text(
        "item_code,quantity,delivery_start,delivery_end,end_user,budget_eur\n"
        f"AMMO-155MM,2000,{start},{end},own_forces,9000000.00\n"
        f"AMMO-155MM,lots,{start},{end},own_forces,\n"
        f"VSRAT,300,{start},{end},ukraine,\n"
    )
    context, page = signed_in(browser, console, "nation_desk", "POL")
    page.goto("/needs/import")
    every_field_labelled(page)
    page.get_by_label("Spreadsheet (CSV or XLSX, at most 1,000 rows)").set_input_files(sheet)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("h2")).to_have_text("Report: 2 accepted, 1 refused")
    refused = page.locator("tr.refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("3")
    expect(refused).to_contain_text("quantity")

    # The same file again registers no row twice.
    page.get_by_label("Spreadsheet (CSV or XLSX, at most 1,000 rows)").set_input_files(sheet)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("h2")).to_have_text("Report: 2 accepted, 1 refused")
    page.goto("/needs")
    expect(page.locator("h1")).to_contain_text("(2)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0].startswith("id,item_code,quantity") and len(lines) == 3
    assert sorted(line.split(",")[1] for line in lines[1:]) == ["AMMO-155MM", "VSRAT"]
    context.close()


def test_a_company_lands_on_the_open_tenders_and_sees_its_own_endpoints_only(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    for org in ("NAMMO", "THALES"):
        body = {"url": platform.receiver.url(f"/hooks/{org}"), "description": f"{org} sales desk"}
        made = httpx.post(
            f"{platform.notifications.url}/v1/endpoints", json=body, headers=bearer(Role.INDUSTRY, org=org)
        )
        assert made.status_code == 201, made.text
    context = browser.new_context(base_url=console.url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_role("radio", name="Company").check()
    page.get_by_label("Agency or company (e.g. NSPA, NAMMO)").fill("NAMMO")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_contain_text("Open tenders")
    page.get_by_role("link", name="Webhook endpoints").click()
    expect(page.locator("h1")).to_contain_text("(1)")
    assert "/hooks/THALES" not in page.locator("main").inner_text()
    page.get_by_role("link", name=platform.receiver.url("/hooks/NAMMO")).click()
    expect(page.locator("h2")).to_contain_text("Attempts")

    # Its production line, and the allocation of its output (nothing to allocate yet).
    until = (TODAY + timedelta(days=400)).isoformat()
    supplier = {"organisation": "NAMMO", "country": "NOR", "security_declaration_valid_until": until}
    admin = bearer(Role.ADMIN, org="platform")
    assert httpx.post(f"{platform.contracts.url}/v1/suppliers", json=supplier, headers=admin).status_code == 201
    first = date(TODAY.year + 1, 1, 1)
    line = {"item_code": "AMMO-155MM", "site": "Raufoss", "country": "NOR", "earliest_start": first.isoformat(),
            "minimum_economic_quantity": 10_000, "rates": [{"month": f"{first:%Y-%m}", "units_per_month": 2_000}],
            "inputs": []}  # fmt: skip
    nammo = bearer(Role.INDUSTRY, org="NAMMO")
    declared = httpx.post(f"{platform.contracts.url}/v1/production-lines", json=line, headers=nammo)
    assert declared.status_code == 201, declared.text
    page.get_by_role("link", name="Production lines").click()
    page.get_by_role("link", name="AMMO-155MM").click()
    expect(page.locator("h1")).to_contain_text("AMMO-155MM at Raufoss (NAMMO)")
    expect(page.locator("main")).to_contain_text("2000 a month from")
    context.close()


def test_a_desk_imports_and_exports_its_needs_from_the_command_line(platform: Platform, tmp_path: Path) -> None:
    start = TODAY + timedelta(days=450)
    end = start + timedelta(days=300)
    sheet = tmp_path / "needs.csv"
    sheet.write_text(
        "item_code,quantity,delivery_start,delivery_end\n"
        f"AMMO-155MM,800,{start},{end}\n"
        f"NO-SUCH-ITEM,5,{start},{end}\n"
        f"VSRAT,40,{start},{end}\n"
    )
    token = desk("LTU")["authorization"].removeprefix("Bearer ")
    env = {**os.environ, "BUNDLING_TOKEN": token, "DEMAND_URL": platform.demand.url, "COLUMNS": "200"}
    for _ in range(2):  # the second run registers no row twice
        ran = subprocess.run(
            [sys.executable, "-m", "console.cli", "import", str(sheet)], env=env, capture_output=True, text=True
        )
        assert ran.returncode == 1, ran.stdout + ran.stderr  # a row was refused
        assert "2 accepted, 1 refused" in ran.stdout
        assert "NO-SUCH-ITEM" in ran.stdout or "item" in ran.stdout
    listed = httpx.get(f"{platform.demand.url}/v1/needs", headers=desk("LTU")).json()
    assert listed["total"] == 2
    exported = tmp_path / "needs.xlsx"
    exporting = [sys.executable, "-m", "console.cli", "export", str(exported)]
    ran = subprocess.run(exporting, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    sheet_out = load_workbook(exported).active
    assert sheet_out is not None and sheet_out.max_row == 3


def test_a_desk_follows_its_framework_ceiling_as_call_offs_use_it(
    platform: Platform, console: ServiceProcess, browser: Browser
) -> None:
    until = (TODAY + timedelta(days=400)).isoformat()
    admin = bearer(Role.ADMIN, org="platform")
    registered = httpx.post(f"{platform.contracts.url}/v1/suppliers", headers=admin,
                            json={"organisation": "RHEINMETALL", "country": "DEU",
                                  "security_declaration_valid_until": until})  # fmt: skip
    assert registered.status_code == 201, registered.text
    supplier_id = registered.json()["id"]
    finland = desk("FIN")
    body = {"item_code": "AMMO-155MM", "participants": {"FIN": 100}, "ceiling_quantity": 100,
            "start": TODAY.isoformat(), "end": (TODAY + timedelta(days=700)).isoformat(),
            "suppliers": {supplier_id: "4000.00"}}  # fmt: skip
    made = httpx.post(f"{platform.contracts.url}/v1/frameworks", json=body, headers=finland)
    assert made.status_code == 201, made.text
    call_off = {"item_code": "AMMO-155MM", "quantity": 30, "supplier_id": supplier_id,
                "delivery_due": (TODAY + timedelta(days=90)).isoformat()}  # fmt: skip
    placed = httpx.post(f"{platform.contracts.url}/v1/frameworks/{made.json()['id']}/call-offs", json=call_off,
                        headers=finland)  # fmt: skip
    assert placed.status_code == 201, placed.text

    context, page = signed_in(browser, console, "nation_desk", "FIN")
    page.get_by_role("link", name="Frameworks").click()
    page.get_by_role("link", name="AMMO-155MM").click()
    expect(page.locator("[data-field=remaining]")).to_have_text("70")
    expect(page.locator("svg.chart title").first).to_contain_text("Ceiling used over time")
    expect(page.locator("main")).to_contain_text("RHEINMETALL")
    context.close()
