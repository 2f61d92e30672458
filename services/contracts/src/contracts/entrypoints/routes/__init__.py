"""The versioned HTTP API (/v1) of the contracts service: one router per subject, each
included under /v1 by the app (`bundling_shared.service_app`)."""

from __future__ import annotations

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

routers = [
    module.router
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
    )
]
