"""Versioned HTTP API (/v1) of the contracts service, and how its errors read.

Whatever a caller may not see answers 404; a rule an input breaks answers 422 with the
rule in words; a clash with what exists, or with a change made at the same moment, 409;
a role that may not act 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response, status

from bundling_shared.problems import FieldError, problem_response
from contracts.domain.model import ContractRuleViolation
from contracts.entrypoints.routes import (
    contracts,
    deliveries,
    frameworks,
    procurements,
    reports,
    specifications,
    suppliers,
)
from contracts.service_layer.access import Conflict, Forbidden, NotFound

router = APIRouter(prefix="/v1")
for module in (contracts, suppliers, specifications, procurements, frameworks, deliveries, reports):
    router.include_router(module.router)


def install_error_handlers(app: FastAPI) -> None:
    def answer(code: int) -> Callable[[Request, Exception], Awaitable[Response]]:
        async def handler(_: Request, exc: Exception) -> Response:
            return problem_response(code, str(exc))

        return handler

    app.add_exception_handler(NotFound, answer(status.HTTP_404_NOT_FOUND))
    app.add_exception_handler(Forbidden, answer(status.HTTP_403_FORBIDDEN))
    app.add_exception_handler(Conflict, answer(status.HTTP_409_CONFLICT))

    async def rule_broken(_: Request, exc: Exception) -> Response:
        field, rule = getattr(exc, "field", None), getattr(exc, "rule", None)
        errors = [FieldError(field=field, rule=rule or "rule", message=str(exc))] if field else None
        return problem_response(422, str(exc), errors=errors)

    app.add_exception_handler(ContractRuleViolation, rule_broken)
