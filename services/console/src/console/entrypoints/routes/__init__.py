"""The console's pages, one router per subject."""

from __future__ import annotations

from fastapi import APIRouter

from console.entrypoints.routes import bundles, contracts, home, needs, sign_in

router = APIRouter()
for module in (sign_in, home, needs, bundles, contracts):
    router.include_router(module.router)
