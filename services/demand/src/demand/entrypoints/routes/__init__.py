"""Versioned HTTP API (/v1) for nation desks, coordinators and admins: one router per subject."""

from __future__ import annotations

from fastapi import APIRouter

from demand.entrypoints.routes import bundles, catalogue, funds, needs, pledges

router = APIRouter(prefix="/v1")
for module in (needs, bundles, catalogue, pledges, funds):
    router.include_router(module.router)
