"""The lists leave the console as CSV and XLSX with what the page shows its reader: a
Romanian desk's bundle carries the totals and Romania's part, never Bulgaria's; the
coordinator's board carries both; a partner desk's lots and contract lines are its own;
the reports come with money as exact decimals. The terminal's export reads the same."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page

from bundling_shared.auth import Role
from tests.e2e.conftest import Platform
from tests.e2e.console.browsing import bundled, contracted, signed_in
from tests.support.api import bearer, desk
from tests.support.processes import ServiceProcess
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e
ITEM = "AMMO-35MM"


def downloaded(page: Page, link: str) -> list[dict[str, Any]]:
    """The rows of the file the link downloads, by column name, CSV or XLSX alike."""
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    path = Path(download.value.path())
    if link.endswith("XLSX"):
        sheet = load_workbook(io.BytesIO(path.read_bytes())).active
        assert sheet is not None
        header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        return [dict(zip(map(str, header), row, strict=True)) for row in rows]
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_each_reader_downloads_the_lists_as_the_pages_show_them(
    platform: Platform, console: ServiceProcess, browser: Browser, tmp_path: Path
) -> None:
    start = TODAY + timedelta(days=420)
    window = (start.isoformat(), (start + timedelta(days=500)).isoformat())
    bundle_id = bundled(platform.demand.url, "ROU", ITEM, 1200, window)
    assert bundled(platform.demand.url, "BGR", ITEM, 800, window) == bundle_id

    romania, page = signed_in(browser, console, "nation_desk", "ROU")
    page.goto("/bundles")
    (mine,) = [r for r in downloaded(page, "Download CSV") if r["id"] == bundle_id]
    assert (mine["nation"], mine["nation_quantity"], mine["total_quantity"]) == ("ROU", "1200", "2000")
    assert "800" not in mine.values(), "nothing of Bulgaria's part reaches Romania's desk"
    coordinators, board = signed_in(browser, console, "coordinator", "ROU")
    board.goto("/bundles")
    parts = {r["nation"]: r["nation_quantity"] for r in downloaded(board, "Download XLSX") if r["id"] == bundle_id}
    assert parts == {"BGR": 800, "ROU": 1200}

    # Committed, contracted and planned in lots: each desk downloads its own lots and line.
    contract = contracted(platform, bundle_id, "ROU", ["ROU", "BGR"])
    lead = bearer(Role.COORDINATOR, nation="ROU")
    due = (TODAY + timedelta(days=30)).isoformat()
    lots = [{"nation": "ROU", "quantity": 700, "due_date": due}, {"nation": "BGR", "quantity": 500, "due_date": due}]
    planned = httpx.post(f"{platform.contracts.url}/v1/contracts/{contract['id']}/lots", json={"lots": lots},
                         headers=lead)  # fmt: skip
    assert planned.status_code == 201, planned.text

    bulgaria, bgr_page = signed_in(browser, console, "nation_desk", "BGR")
    bgr_page.goto(f"/contracts/{contract['id']}")
    own = downloaded(bgr_page, "Download CSV")
    assert [(r["nation"], r["quantity"], r["status"]) for r in own] == [("BGR", "500", "planned")]
    board.goto(f"/contracts/{contract['id']}")
    assert sorted((r["nation"], r["quantity"]) for r in downloaded(board, "Download XLSX")) == [
        ("BGR", 500),
        ("ROU", 700),
    ]
    bgr_page.goto("/contracts")
    (line,) = [r for r in downloaded(bgr_page, "Download XLSX") if r["id"] == contract["id"]]
    assert (line["line_nation"], line["line_quantity"], line["total_quantity"]) == ("BGR", 800, 2000)
    bgr_page.goto("/reports/deliveries")
    rows = [r for r in downloaded(bgr_page, "Download CSV") if r["contract_id"] == contract["id"]]
    assert [(r["nation"], r["planned"], r["delivered"]) for r in rows] == [("BGR", "500", "0")]

    # The industrial base with a purchase recorded outside the platform: money exact.
    recorded = {"reference": "RO-2024-7", "value_eur": "41000000.10", "signed_on": "2024-03-01",
                "supplier_name": "Romarm", "supplier_country": "ROU"}  # fmt: skip
    assert httpx.post(f"{platform.contracts.url}/v1/national-purchases", json=recorded,
                      headers=desk("ROU")).status_code == 201  # fmt: skip
    page.goto("/reports/industrial-base")
    (year,) = [r for r in downloaded(page, "Download CSV") if r["year"] == "2024"]
    assert (year["nation"], year["national_eur"], year["national_share"]) == ("ROU", "41000000.10", "1.0")
    (cell,) = [r for r in downloaded(page, "Download XLSX") if r["year"] == 2024]
    assert Decimal(str(cell["national_eur"])) == Decimal("41000000.10")
    assert page.request.get("/reports/industrial-base.pdf").status == 404
    for odd in ("/contracts/%3Flimit%3D1/lots.csv", "/contracts/no-such/lots.xlsx", "/frameworks/%00/call-offs.csv"):
        assert page.request.get(odd).status in (404, 422), odd  # refused with the service's rule, never a 5xx

    # The terminal: Bulgaria's bundles, with its own part only.
    out = tmp_path / "bundles.csv"
    env = {**os.environ, "BUNDLING_TOKEN": desk("BGR")["authorization"].removeprefix("Bearer "),
           "DEMAND_URL": platform.demand.url, "CONTRACTS_URL": platform.contracts.url, "COLUMNS": "200"}  # fmt: skip
    ran = subprocess.run([sys.executable, "-m", "console.cli", "export", "--list", "bundles", str(out)], env=env,
                         capture_output=True, text=True)  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (theirs,) = [r for r in csv.DictReader(io.StringIO(out.read_text())) if r["id"] == bundle_id]
    assert (theirs["nation"], theirs["nation_quantity"], theirs["status"]) == ("BGR", "800", "committed")
    for context in (romania, coordinators, bulgaria):
        context.close()
