"""What every service's HTTP side shares: correlation ids, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bundling_shared.logging import bind_correlation_id
from bundling_shared.observability.http import HttpMetricsMiddleware
from bundling_shared.observability.metrics import CONTENT_TYPE, ServiceMetrics
from bundling_shared.problems import problem_response

CORRELATION_HEADER = "x-correlation-id"

Check = Callable[[], Awaitable[object]]


class CorrelationIdMiddleware:
    """Takes X-Correlation-ID from the request or makes one, and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(CORRELATION_HEADER.encode())
        correlation_id = incoming.decode()[:100] if incoming else str(uuid.uuid4())
        bind_correlation_id(correlation_id)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((CORRELATION_HEADER.encode(), correlation_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            bind_correlation_id(None)


class BodySizeLimitMiddleware:
    """Refuses a body larger than the limit with 413 before it is read whole, whether
    the client announced its length or streams it: a 10 MB list would otherwise be
    stored and then served to every reader."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = False
            if too_large:
                await self._refuse(scope, receive, send)
                return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    raise _BodyTooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            """Once the limit was passed, whatever the app answers (a framework may turn
            the interrupted read into its own 400) is replaced by the 413."""
            nonlocal started
            if refused:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not refused:
                raise
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, f"the body is larger than {self.max_bytes} bytes")
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class Readiness(BaseModel):
    """What an orchestrator reads to route traffic: ready or not, and which dependency is not."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description="Per dependency: ok, or why it is unavailable.")


def health_router(checks: Mapping[str, Check], timeout: float = 3.0) -> APIRouter:
    """``/health``: the process is alive. ``/ready``: every dependency answered in time."""
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    @router.get(
        "/ready",
        summary="Readiness: Kafka and database reachable",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency did not answer in time"}},
    )
    async def ready() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {type(exc).__name__}: {exc}"[:300]
        ok = all(v == "ok" for v in results.values())
        answer = Readiness(status="ready" if ok else "not ready", checks=results)
        return JSONResponse(answer.model_dump(), 200 if ok else 503)

    return router


def metrics_router(metrics: ServiceMetrics) -> APIRouter:
    """``/metrics``: the service's Prometheus metrics, as scrapers read them; no token, as
    the probes beside it."""
    router = APIRouter(tags=["operations"])

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={
            200: {
                "description": "The Prometheus text exposition format.",
                "content": {"text/plain": {"schema": {"type": "string", "maxLength": 10_000_000}}},
            }
        },
    )
    async def exposition() -> Response:
        return Response(await metrics.exposition(), media_type=CONTENT_TYPE)

    return router


def install_common(
    app: FastAPI, checks: Mapping[str, Check], *, max_body_bytes: int, metrics: ServiceMetrics | None = None
) -> None:
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)
    app.include_router(health_router(checks))
    if metrics is not None:
        app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
        app.include_router(metrics_router(metrics))
