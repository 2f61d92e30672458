"""The /v1 routes of the notifications service: one module per subject, each router
included under /v1 by the app (`bundling_shared.service_app`)."""

from __future__ import annotations

from notifications.entrypoints.routes import endpoints, messages, recovery

routers = [endpoints.router, recovery.router, messages.router]
