"""The /v1 routes of the notifications service, one module per subject."""

from __future__ import annotations

from fastapi import APIRouter

from notifications.entrypoints.routes import endpoints, messages, recovery

router = APIRouter(prefix="/v1")
router.include_router(endpoints.router)
router.include_router(recovery.router)
router.include_router(messages.router)
