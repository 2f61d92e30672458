"""Versioned HTTP API (/v1) for nation desks, coordinators and admins."""

from __future__ import annotations

from fastapi import APIRouter

from demand.entrypoints import api_bundles, api_catalogue, api_needs

router = APIRouter()
router.include_router(api_needs.router)
router.include_router(api_bundles.router)
router.include_router(api_catalogue.router)
