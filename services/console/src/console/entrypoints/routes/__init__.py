"""The console's pages, one router per subject."""

from __future__ import annotations

from fastapi import APIRouter

from console.entrypoints.routes import (
    bundles,
    contracts,
    demand_sheet,
    exports,
    frameworks,
    home,
    industry,
    money,
    needs,
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
    demand_sheet,
    money,
    industry,
    production,
    reports,
):
    router.include_router(module.router)
