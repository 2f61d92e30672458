"""Versioned HTTP API (/v1) for nation desks, coordinators and admins: one router per subject."""

from __future__ import annotations

from fastapi import APIRouter

from demand.entrypoints.routes import bundles, catalogue, needs

router = APIRouter(prefix="/v1")
for module in (needs, bundles, catalogue):
    router.include_router(module.router)
