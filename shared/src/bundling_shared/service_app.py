"""The FastAPI app every service serves: its API routes, health and readiness, token
verification, and the broker, relay and workers run from a plain lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm.exc import StaleDataError

from bundling_shared.auth.tokens import TokenVerifier
from bundling_shared.db import ping
from bundling_shared.http import install_common
from bundling_shared.messaging.outbox import OutboxRelay
from bundling_shared.runtime import service_running
from bundling_shared.settings import AuthSettings, KafkaSettings
from bundling_shared.topics import Topic


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    router: APIRouter,
    engine: AsyncEngine,
    broker: KafkaBroker,
    kafka: KafkaSettings,
    auth: AuthSettings,
    topics: Iterable[Topic],
    migrations: str | None,
    relay: OutboxRelay | None,
    state: dict[str, Any],
    workers: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> FastAPI:
    topic_list = list(topics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with service_running(
            name=name,
            engine=engine,
            broker=broker,
            kafka=kafka,
            topics=topic_list,
            migrations=migrations,
            relay=relay,
            workers=workers,
        ):
            yield

    app = FastAPI(title=title, version="1.0.0", description=description, lifespan=lifespan)
    for key, value in state.items():
        setattr(app.state, key, value)
    app.state.token_verifier = TokenVerifier(auth)

    async def broker_ping() -> None:
        if not await broker.ping(timeout=2.0):
            raise ConnectionError("Kafka broker does not answer")

    install_common(app, {"database": lambda: ping(engine), "kafka": broker_ping})
    app.include_router(router)

    @app.exception_handler(StaleDataError)
    async def concurrent_change(_: Request, exc: StaleDataError) -> JSONResponse:
        return JSONResponse({"detail": "changed concurrently by another request; retry"}, status_code=409)

    return app
