"""The FastAPI app every service serves: its API routes, health and readiness, token
verification, and the broker, relay and workers run from a plain lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.auth.tokens import TokenVerifier
from bundling_shared.db import ping
from bundling_shared.http import install_common
from bundling_shared.messaging.outbox import OutboxRelay
from bundling_shared.problems import document_problems, install_problem_handlers, refuse_unknown_query
from bundling_shared.runtime import service_running
from bundling_shared.settings import AuthSettings, HttpSettings, KafkaSettings
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
    http: HttpSettings | None = None,
) -> FastAPI:
    auth.check_safe()
    http = http or HttpSettings()
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

    app = FastAPI(
        title=title,
        version="1.0.0",
        description=description,
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
    )
    for key, value in state.items():
        setattr(app.state, key, value)
    app.state.token_verifier = TokenVerifier(auth)

    async def broker_ping() -> None:
        if not await broker.ping(timeout=2.0):
            raise ConnectionError("Kafka broker does not answer")

    install_common(app, {"database": lambda: ping(engine), "kafka": broker_ping}, max_body_bytes=http.max_body_bytes)
    install_problem_handlers(app)
    app.include_router(router)
    document_problems(app)
    return app
