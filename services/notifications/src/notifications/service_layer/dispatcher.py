"""The dispatcher: sends due deliveries and records what happened.

Deliveries live in the database, never only in memory: a restart resumes whatever is
pending. Each delivery is claimed in a short transaction, sent outside any transaction,
and recorded in another short transaction, so a slow endpoint holds no locks and no batch
waits for its slowest member. A per-endpoint limit keeps one endpoint from taking every
slot, and endpoints at their limit are left out of the next claim, so a hanging endpoint
never delays a healthy one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bundling_shared.clock import Clock
from bundling_shared.logging import bind_correlation_id, get_logger
from notifications.domain.delivery import AttemptResult, DeliveryJob
from notifications.domain.rate_limit import RateLimiter
from notifications.domain.retry import Verdict
from notifications.service_layer import deliveries
from notifications.service_layer.deliveries import Outcome
from notifications.service_layer.unit_of_work import UowFactory

log = get_logger(__name__)

MAX_BATCH = 200  # attempts recorded in one transaction at most


class WebhookSender(Protocol):
    async def send(self, job: DeliveryJob, at: datetime) -> AttemptResult:
        """One signed POST; never raises for the endpoint's faults, it reports them."""
        ...


class Dispatcher:
    def __init__(
        self,
        uow: UowFactory,
        sender: WebhookSender,
        *,
        poll_seconds: float = 0.5,
        max_in_flight: int = 100,
        per_endpoint: int = 4,
        lease: timedelta = timedelta(seconds=60),
        clock: Clock,
        disable_after: timedelta = deliveries.DEFAULT_DISABLE_AFTER,
        monotonic: Callable[[], float] = time.monotonic,
        claim_pause_seconds: float = 0.01,
        tally: Callable[[str], None] = lambda _: None,
    ) -> None:
        """`tally` hears the outcome of every attempt recorded (operators' counts)."""
        if per_endpoint < 1 or max_in_flight < 1:
            raise ValueError("the dispatcher needs room for at least one attempt")
        self._uow = uow
        self._sender = sender
        self._poll = poll_seconds
        self._max_in_flight = max_in_flight
        self._per_endpoint = per_endpoint
        self._lease = lease
        self._clock = clock
        self._disable_after = disable_after
        self._monotonic = monotonic
        self._claim_pause = claim_pause_seconds
        self._tally = tally
        self._limiter = RateLimiter()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._in_flight: dict[str, int] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._batch: list[tuple[Outcome, asyncio.Future[Verdict | None]]] = []
        self._recorder: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Called after a commit that created deliveries: send now rather than at the next poll."""
        self._wakeup.set()

    def _room(self, endpoint_id: str) -> int:
        return self._per_endpoint - self._in_flight.get(endpoint_id, 0)

    async def dispatch_due(self) -> int:
        """Claim due deliveries there is room for and start sending them; returns how many."""
        capacity = self._max_in_flight - len(self._tasks)
        if capacity <= 0:
            return 0
        full = {endpoint_id for endpoint_id in self._in_flight if self._room(endpoint_id) <= 0}
        full |= self._limiter.exhausted(self._monotonic())
        jobs = await deliveries.claim_due(
            self._uow(),
            lease=self._lease,
            limit=capacity,
            room=self._room,
            skip_endpoints=full,
            skip_deliveries=set(self._tasks),
            admit=self._admit,
        )
        for job in jobs:
            self._in_flight[job.endpoint_id] = self._in_flight.get(job.endpoint_id, 0) + 1
            task = asyncio.create_task(self._deliver(job), name=f"webhook-{job.delivery_id}")
            self._tasks[job.delivery_id] = task
            task.add_done_callback(partial(self._finished, job))
        return len(jobs)

    def _admit(self, endpoint_id: str, rate_limit_per_second: int | None) -> bool:
        """The endpoint's own rate limit, if it set one: a token per claimed delivery."""
        return self._limiter.take(endpoint_id, rate_limit_per_second, self._monotonic())

    def _finished(self, job: DeliveryJob, _: asyncio.Task[None]) -> None:
        self._tasks.pop(job.delivery_id, None)
        left = self._in_flight.get(job.endpoint_id, 1) - 1
        if left <= 0:
            self._in_flight.pop(job.endpoint_id, None)
            self._semaphores.pop(job.endpoint_id, None)
        else:
            self._in_flight[job.endpoint_id] = left
        self._wakeup.set()  # a freed slot may let a waiting delivery go

    def _semaphore(self, endpoint_id: str) -> asyncio.Semaphore:
        semaphore = self._semaphores.get(endpoint_id)
        if semaphore is None:
            semaphore = self._semaphores[endpoint_id] = asyncio.Semaphore(self._per_endpoint)
        return semaphore

    async def _deliver(self, job: DeliveryJob) -> None:
        bind_correlation_id(job.correlation_id)  # this task's own context: it leaks nowhere
        try:
            async with self._semaphore(job.endpoint_id):
                result = await self._sender.send(job, self._clock.now())
            outcome = await self._record(Outcome(job, result, self._clock.now()))
            log.info(
                "webhook.attempt",
                delivery_id=job.delivery_id,
                message_id=job.message_id,
                endpoint_id=job.endpoint_id,
                attempt=job.attempt_number,
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=result.error,
                outcome=outcome.value if outcome else None,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # database away: the lease runs out and the delivery is tried again
            log.warning("webhook.record_failed", delivery_id=job.delivery_id, error=repr(exc))

    async def _record(self, outcome: Outcome) -> Verdict | None:
        """Group commit: attempts that finish while a batch is being written wait for the
        next batch, so the number of transactions follows the database's pace, not the
        number of attempts."""
        future: asyncio.Future[Verdict | None] = asyncio.get_running_loop().create_future()
        self._batch.append((outcome, future))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_batches(), name="webhook-attempt-recorder")
        return await future

    async def _write_batches(self) -> None:
        while self._batch:
            await asyncio.sleep(0)  # attempts finishing in this same turn join the batch
            batch, self._batch = self._batch[:MAX_BATCH], self._batch[MAX_BATCH:]
            try:
                verdicts = await deliveries.record_attempts(
                    self._uow(), outcomes=[o for o, _ in batch], disable_after=self._disable_after, tally=self._tally
                )
            except Exception as exc:  # handed to each waiting attempt, which logs it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for o, future in batch:
                if not future.done():
                    future.set_result(verdicts.get(o.job.delivery_id))

    async def drain(self) -> None:
        """Wait for every attempt in flight (tests and orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def run(self) -> None:
        backoff = self._poll
        try:
            while not self._stopping:
                # Cleared before claiming: a wake during the claim is kept for the wait below.
                self._wakeup.clear()
                try:
                    started = await self.dispatch_due()
                    backoff = self._poll
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # database away: keep deliveries, try again later
                    log.warning("dispatcher.claim_failed", error=repr(exc), retry_in=backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if not started:
                    # Not `asyncio.wait_for`: cancelled (the service stopping) just as its
                    # timeout fired, it waited on Python 3.11 for the wait it had already
                    # abandoned, and the shutdown with it, for ever.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._poll):
                            await self._wakeup.wait()
                # Every finished attempt wakes the dispatcher; a short pause lets the ones
                # finishing together free their slots first, so one claim fills them all.
                await asyncio.sleep(self._claim_pause)
        finally:
            # Attempts cut short here are resumed when their lease runs out.
            for task in list(self._tasks.values()):
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            if self._recorder is not None:
                self._recorder.cancel()
                await asyncio.gather(self._recorder, return_exceptions=True)

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
