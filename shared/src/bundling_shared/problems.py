"""Every error of every service in one shape: RFC 9457 problem details.

A client, a console or an integrator at a national desk handles one body for every
refusal: ``type`` (a stable slug to branch on), ``title``, ``status``, ``detail`` in
words and, when the request broke a rule of a field, ``errors`` naming each field and
the rule. The OpenAPI documents declare this body for every status a route can answer,
so that what the documents say and what the services answer are the same.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bundling_shared.errors import Conflict, Forbidden, NotFound

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"

_TYPES: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "rule-violation",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}


class FieldError(BaseModel):
    field: str = Field(description="Where in the request: body.quantity, query.limit, path.need_id.")
    rule: str = Field(description="The rule broken, as a stable slug: missing, int_type, greater_than...")
    message: str = Field(description="The rule in words.")


class Problem(BaseModel):
    """An error answer (RFC 9457)."""

    type: str = Field(description="A stable slug naming the kind of problem, e.g. validation-error, not-found.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """Raised anywhere on the HTTP side to answer with a problem that names a field."""

    def __init__(
        self, status: int, detail: str, *, field: str | None = None, rule: str | None = None, kind: str | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = [FieldError(field=field, rule=rule or "rule", message=detail)] if field else []


def problem_response(
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = Problem(
        type=kind or _TYPES.get(status, "error"), title=title, status=status, detail=detail, errors=errors or []
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location) or "body"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    found = []
    for error in exc.errors():
        rule = str(error.get("type", "invalid"))
        message = str(error.get("msg", "invalid"))
        if rule == "extra_forbidden":
            message = "unknown field: not part of this request"
        found.append(FieldError(field=_field_of(error.get("loc", ())), rule=rule, message=message))
    return found


def install_problem_handlers(app: FastAPI) -> None:
    """Every refusal, whoever raised it, leaves as a problem; an unexpected error too,
    without its internals, so that a client never sees a dropped connection."""

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    async def invalid_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = validation_errors(exc)
        named = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        return problem_response(
            422, f"the request breaks {len(errors)} rule(s): {named}", errors=errors, kind="validation-error"
        )

    async def raised_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(exc.status, exc.detail, errors=exc.errors, kind=exc.kind)

    def refusal(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def answer(_: Request, exc: Exception) -> JSONResponse:
            return problem_response(status, str(exc))

        return answer

    async def changed_meanwhile(_: Request, exc: Exception) -> JSONResponse:
        return problem_response(409, "changed by another request at the same time; read it again and retry")

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "an unexpected error; it has been logged")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(ProblemError, raised_problem)
    app.add_exception_handler(NotFound, refusal(404))
    app.add_exception_handler(Forbidden, refusal(403))
    app.add_exception_handler(Conflict, refusal(409))
    app.add_exception_handler(StaleDataError, changed_meanwhile)
    app.add_exception_handler(Exception, unexpected)


OPERATIONAL_PATHS = frozenset({"/health", "/ready", "/metrics"})
"""Probes of orchestrators and scrapers, which send what they send: they read no input."""

_declared_queries: dict[int, frozenset[str]] = {}


def _declared_query_names(route: APIRoute) -> frozenset[str]:
    names = _declared_queries.get(id(route))
    if names is None:
        names = frozenset(_query_names(route.dependant))
        _declared_queries[id(route)] = names
    return names


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def refuse_unknown_query(request: Request) -> None:
    """A query parameter a route does not read is refused, as an unknown body field is:
    a misspelt filter (``?stauts=open``) would otherwise answer the unfiltered list."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.path in OPERATIONAL_PATHS:
        return
    unknown = sorted(set(request.query_params.keys()) - _declared_query_names(route))
    if unknown:
        errors = [
            FieldError(field=f"query.{name}", rule="extra_forbidden", message="unknown query parameter")
            for name in unknown[:20]
        ]
        raise UnknownQueryParameters(errors)


class UnknownQueryParameters(ProblemError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            422, "unknown query parameter(s): " + ", ".join(e.field for e in errors), kind="validation-error"
        )
        self.errors = errors


def _statuses_of(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """What a route can answer besides its success: 401 and 403 behind a token, 404 for a
    path naming an object, 409 for a change, 413 and 422 for what it reads (every API route
    reads its query, if only to refuse a parameter it does not know); the operational
    probes read nothing."""
    statuses = set() if path in OPERATIONAL_PATHS else {422}
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if method in {"post", "put", "patch", "delete"}:
        statuses |= {404, 409}
    if "requestBody" in operation:
        statuses |= {400, 413, 415}
    return statuses


def document_problems(app: FastAPI) -> None:
    """Declares the problem body for every error status in the OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["FieldError"] = FieldError.model_json_schema()
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        problem_schema.pop("$defs", None)
        components["Problem"] = problem_schema
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        content = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                for status in sorted(_statuses_of(method, path, operation)):
                    responses[str(status)] = {
                        "description": _describe(status),
                        "content": content,
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe(status: int) -> str:
    return {
        400: "The body could not be read",
        401: "No valid bearer token",
        403: "The caller's role may not do this",
        404: "Unknown, or not the caller's to see",
        409: "The object's state forbids this now",
        413: "The body is larger than the service accepts",
        415: "The body is not JSON",
        422: "The request breaks a rule; errors name each field and rule",
    }.get(status, HTTPStatus(status).phrase)
