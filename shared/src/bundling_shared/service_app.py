"""The FastAPI app every service serves: its API routes, health and readiness, token
verification, and the broker, relay and workers run from a plain lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.auth.tokens import TokenVerifier
from bundling_shared.clock import Clock
from bundling_shared.db import ping
from bundling_shared.http import install_common
from bundling_shared.messaging.outbox import OutboxRelay
from bundling_shared.observability import probes, tracing
from bundling_shared.observability.metrics import ServiceMetrics
from bundling_shared.problems import document_problems, install_problem_handlers, refuse_unknown_query
from bundling_shared.route_gates import gate_included_routers
from bundling_shared.runtime import service_running
from bundling_shared.settings import HttpSettings, ServiceSettings
from bundling_shared.topics import Topic

API_PREFIX = "/v1"


class WiredService(Protocol):
    """What a service's bootstrap hands its app: the parts the app runs and checks."""

    @property
    def settings(self) -> ServiceSettings: ...
    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def broker(self) -> KafkaBroker: ...
    @property
    def relay(self) -> OutboxRelay: ...
    @property
    def metrics(self) -> ServiceMetrics: ...


ServiceT = TypeVar("ServiceT", bound=WiredService)


def create_service_app(
    service: ServiceT,
    *,
    name: str,
    description: str,
    subscribe: Callable[[ServiceT], None],
    routers: Sequence[APIRouter],
    topics: Iterable[Topic],
    migrations: str,
    workers: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    http: HttpSettings | None = None,
) -> FastAPI:
    """`subscribe` adds the service's consumers to its broker before the broker starts.
    `migrations`: the service's Alembic folder, applied at start-up unless its settings
    say the database is migrated otherwise. Routes reach the service as `app.state.service`.

    `routers`, one per subject, are each included under /v1 by the app itself: FastAPI
    matches a request against the routes of every router level it goes through, once to
    find the route and again to hand the request down, so a /v1 router holding the others
    matched each request against most of the service's hundred routes twice more. Each
    router is then gated by the first segments of its paths (`route_gates`)."""
    subscribe(service)
    settings, engine, broker = service.settings, service.engine, service.broker
    settings.auth.check_safe()
    http = http or HttpSettings()
    topic_list = list(topics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with service_running(
            name=name,
            engine=engine,
            broker=broker,
            kafka=settings.kafka,
            topics=topic_list,
            migrations=migrations if settings.run_migrations else None,
            relay=service.relay,
            workers=workers,
        ):
            yield
        tracing.shutdown()

    app = FastAPI(
        title=f"{name.capitalize()} service",
        version="1.0.0",
        description=description,
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
    )
    app.state.service = service
    app.state.token_verifier = TokenVerifier(settings.auth)

    async def broker_ping() -> None:
        if not await broker.ping(timeout=2.0):
            raise ConnectionError("Kafka broker does not answer")

    checks = {"database": lambda: ping(engine), "kafka": broker_ping}
    metrics = service.metrics if service.metrics.enabled else None
    install_common(app, checks, max_body_bytes=http.max_body_bytes, metrics=metrics)
    service.metrics.probe(probes.outbox_backlog(service.metrics, engine, service.relay.table))
    service.metrics.probe(
        probes.consumer_lag(service.metrics, settings.kafka.bootstrap_servers, lambda: probes.subscriptions(broker))
    )
    tracing.instrument_app(app)
    tracing.instrument_engine(engine)
    install_problem_handlers(app)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    gate_included_routers(app)
    document_problems(app)
    return app


def from_service(part: str) -> Callable[[Request], Any]:
    """A route dependency on one part of the wired service (`uow`, `settings`...): routes
    name what they need, the app holds the one service the bootstrap built."""

    async def dependency(request: Request) -> Any:  # async: FastAPI would run a plain def in a thread
        return getattr(request.app.state.service, part)

    return dependency


async def service_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.service.clock
    return clock


async def today(clock: Annotated[Clock, Depends(service_clock)]) -> date:
    return clock.today()


async def now(clock: Annotated[Clock, Depends(service_clock)]) -> datetime:
    return clock.now()
