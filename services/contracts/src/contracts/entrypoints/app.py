"""The contracts service's ASGI app, and how its refusals read.

Whatever a caller may not see answers 404; a rule an input breaks answers 422 with the
rule in words; a clash with what exists, or with a change made at the same moment, 409;
a role that may not act 403. Where a rule names the part of the request that broke it,
the answer names it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response

from bundling_shared import topics
from bundling_shared.clock import Clock
from bundling_shared.logging import get_logger
from bundling_shared.problems import FieldError, problem_response
from bundling_shared.service_app import create_service_app
from contracts.bootstrap import SERVICE, ContractsService, bootstrap
from contracts.config import ContractsSettings
from contracts.domain.errors import Conflict, ContractRuleViolation
from contracts.entrypoints.routes import routers
from contracts.entrypoints.subscribers import subscribe
from contracts.service_layer import deliveries, expiry

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "adapters" / "migrations")

log = get_logger(__name__)


async def scan_for_delays(service: ContractsService) -> None:
    """Lots do not tell when they fall due: look at them regularly."""
    while True:
        await asyncio.sleep(service.settings.delay_scan_seconds)
        try:
            today, priority = service.clock.today(), service.settings.priority
            reported = await deliveries.check_delays(service.uow(), today, priority)
            if reported:
                log.info("deliveries.delays_reported", count=reported)
        except Exception:
            log.exception("deliveries.delay_scan_failed")


async def tell_expiring(service: ContractsService) -> None:
    """Agreements do not tell when a horizon ahead of their end comes: look at them on
    start and regularly, by the service's clock."""
    horizons = service.settings.horizons()
    while True:
        try:
            told = await expiry.tell_expiring(service.uow(), horizons, service.clock.today())
            if told:
                log.info("expiry.told", count=told)
        except Exception:  # keep looking; what was not told is told at the next look
            log.exception("expiry.scan_failed")
        await asyncio.sleep(service.settings.expiry_scan_seconds)


def install_rule_answers(app: FastAPI) -> None:
    """A broken rule answers 422, a clash 409 (the shared answers for absent and forbidden
    stand); either names the field and the rule when it knows them."""

    def answer(code: int) -> Callable[[Request, Exception], Awaitable[Response]]:
        async def rule_broken(_: Request, exc: Exception) -> Response:
            field, rule = getattr(exc, "field", None), getattr(exc, "rule", None)
            errors = [FieldError(field=field, rule=rule or "rule", message=str(exc))] if field else None
            return problem_response(code, str(exc), errors=errors)

        return rule_broken

    app.add_exception_handler(ContractRuleViolation, answer(422))
    app.add_exception_handler(Conflict, answer(409))


def create_app(settings: ContractsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    service = bootstrap(settings, clock)
    app = create_service_app(
        service,
        name=SERVICE,
        description=(
            "Harmonised specifications, suppliers, weighed awards, contracts from joint orders, framework "
            "contracts with call-offs and accession, delivery schedules."
        ),
        routers=routers,
        subscribe=subscribe,
        topics=topics.with_dead_letters(topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE),
        migrations=MIGRATIONS,
        workers=[lambda: scan_for_delays(service), lambda: tell_expiring(service)],
    )
    install_rule_answers(app)
    return app
