"""``python -m notifications dispatch``: a process that only sends webhooks.

One service process sends about a thousand webhooks a second on one core; more dispatcher
processes, on the same PostgreSQL database, share the deliveries (claims lock their rows
with SKIP LOCKED, so no delivery is claimed twice) and the attempt log. They need no
Kafka and serve no API: the service process consumes the events, creates the deliveries
and publishes what the dispatchers stage in the outbox (an endpoint disabled).
SQLite has no such locking, so a dispatcher process refuses to start on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from prometheus_client import start_http_server
from sqlalchemy.engine import make_url

from bundling_shared.logging import configure_logging, get_logger
from bundling_shared.observability import tracing
from bundling_shared.observability.metrics import ServiceMetrics
from bundling_shared.runtime import settle_heap
from notifications.bootstrap import bootstrap_dispatcher
from notifications.config import NotificationsSettings

log = get_logger(__name__)

REFRESH_SECONDS = 5.0


class NeedsPostgres(Exception):
    pass


def check_database(database_url: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        raise NeedsPostgres(
            "a dispatcher process needs PostgreSQL (NOTIFICATIONS_DATABASE_URL=postgresql+asyncpg://...): "
            "on SQLite two dispatchers could claim the same delivery"
        )


async def dispatch(settings: NotificationsSettings) -> None:
    """Until SIGTERM or SIGINT; attempts cut short are resumed when their lease runs out."""
    check_database(settings.database_url)
    process = bootstrap_dispatcher(settings)
    tracing.instrument_engine(process.engine)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, process.sending.dispatcher.stop)
    settle_heap()  # as a service process does once started
    log.info("dispatcher.started", max_in_flight=settings.max_in_flight)
    exposing = expose_metrics(process.metrics, settings.host, settings.dispatcher_metrics_port)
    try:
        await process.sending.run()
    finally:
        exposing.cancel()
        await asyncio.gather(exposing, return_exceptions=True)
        tracing.shutdown()
        with contextlib.suppress(Exception):
            await process.engine.dispose()
        log.info("dispatcher.stopped")


def expose_metrics(metrics: ServiceMetrics, host: str, port: int | None) -> asyncio.Task[None]:
    """A dispatcher serves no API: its metrics get a small server of their own, in a
    thread, and the gauges a query answers are refreshed by a task every few seconds."""

    async def refresh() -> None:
        if port is None:
            return
        server, thread = start_http_server(port, addr=host, registry=metrics.registry)
        log.info("dispatcher.metrics", port=port)
        try:
            while True:
                await metrics.refresh()
                await asyncio.sleep(REFRESH_SECONDS)
        finally:
            server.shutdown()
            thread.join(timeout=5)

    return asyncio.create_task(refresh(), name="dispatcher-metrics")


def main(settings: NotificationsSettings) -> int:
    configure_logging("notifications", settings.log.level, settings.log.json_output)
    tracing.configure("notifications", settings.tracing)
    try:
        asyncio.run(dispatch(settings))
    except NeedsPostgres as exc:
        log.error("dispatcher.refused", reason=str(exc))
        return 2
    return 0
