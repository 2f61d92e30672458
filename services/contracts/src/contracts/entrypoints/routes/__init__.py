"""The versioned HTTP API (/v1) of the contracts service, one router per subject."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.entrypoints.routes import (
    contracts,
    deliveries,
    frameworks,
    materials,
    national_purchases,
    procurements,
    production_lines,
    reports,
    specifications,
    suppliers,
)

router = APIRouter(prefix="/v1")
for module in (
    contracts,
    suppliers,
    specifications,
    procurements,
    frameworks,
    deliveries,
    reports,
    national_purchases,
    production_lines,
    materials,
):
    router.include_router(module.router)
