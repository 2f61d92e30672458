"""Versioned HTTP API (/v1) for nation desks, coordinators and admins: one router per
subject, each included under /v1 by the app (`bundling_shared.service_app`)."""

from __future__ import annotations

from demand.entrypoints.routes import bundles, catalogue, funds, needs, pledges

routers = [module.router for module in (needs, bundles, catalogue, pledges, funds)]
