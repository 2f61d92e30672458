"""Background work of the demand service: publishing bundle changes once they settle,
telling a production line's company once the demand for its item reached its minimum, and
reminding the nations still silent as an accession deadline draws near."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from bundling_shared.clock import Clock
from bundling_shared.errors import ChangedMeanwhile
from bundling_shared.logging import get_logger
from demand.config import DemandSettings
from demand.service_layer.bundles import remind_deadlines
from demand.service_layer.capacity import unlock_due
from demand.service_layer.publication import publish_due
from demand.service_layer.unit_of_work import UowFactory

log = get_logger(__name__)


def bundle_publisher(
    settings: DemandSettings, uow: UowFactory, clock: Clock
) -> Callable[[], Coroutine[Any, Any, None]]:
    quiet = timedelta(seconds=settings.publish_quiet_seconds)
    max_wait = timedelta(seconds=settings.publish_max_wait_seconds)
    tick = min(settings.publish_quiet_seconds, settings.publish_max_wait_seconds) / 2

    async def run() -> None:
        while True:
            try:
                await publish_due(uow(), now=clock.now(), quiet=quiet, max_wait=max_wait)
            except ChangedMeanwhile:
                pass  # a bundle changed under us: it stays pending and goes out next tick
            except Exception as exc:  # keep publishing; the next tick retries
                log.warning("demand.publish_failed", error=str(exc))
            await asyncio.sleep(max(tick, 0.05))

    return run


def capacity_watch(settings: DemandSettings, uow: UowFactory) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        while True:
            try:
                await unlock_due(uow())
            except Exception as exc:  # keep watching; the next tick looks again
                log.warning("demand.capacity_check_failed", error=str(exc))
            try:
                await remind_deadlines(uow(), days_ahead=settings.deadline_reminder_days)
            except Exception as exc:
                log.warning("demand.deadline_reminders_failed", error=str(exc))
            await asyncio.sleep(settings.capacity_check_seconds)

    return run
