"""The console's pages, one router per subject."""

from __future__ import annotations

from fastapi import APIRouter

from console.entrypoints.routes import (
    bundles,
    contracts,
    demand_sheet,
    exports,
    follow_up,
    frameworks,
    home,
    industry,
    money,
    needs,
    procurements,
    production,
    reports,
    sign_in,
    spreadsheets,
)

router = APIRouter()
# the spreadsheets' fixed paths (/needs/import) before the needs' /needs/{need_id}
for module in (
    sign_in,
    home,
    spreadsheets,
    exports,
    needs,
    bundles,
    contracts,
    frameworks,
    procurements,
    demand_sheet,
    money,
    industry,
    production,
    reports,
    follow_up,
):
    router.include_router(module.router)
