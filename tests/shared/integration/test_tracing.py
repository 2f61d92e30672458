"""The outbox carries the trace context across the gap between a commit and the relay's
publish: a row keeps the `traceparent` of the work that wrote it, and its publication runs
in that trace; with tracing off neither happens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import select

from bundling_shared.db import make_engine, make_session_factory, migrate
from bundling_shared.messaging.outbox import OutboxRelay
from bundling_shared.observability import tracing
from bundling_shared.topics import NEEDS
from demand.adapters import orm
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.entrypoints.app import MIGRATIONS
from tests.shared.integration.test_kafka_delivery import need_event


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for the test, into memory; off again after it."""
    exporter = InMemorySpanExporter()
    provider = tracing.new_provider("test")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    before = tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(before)


async def written_and_published(tmp_path: Path) -> tuple[list[dict[str, str]], list[trace.SpanContext]]:
    """One row written inside a span `request`, then published by the relay; the row's
    headers and the span context current while each row was published."""
    orm.start_mappers()
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await migrate(engine, MIGRATIONS)
    current: list[trace.SpanContext] = []

    async def publish(topic: str, key: bytes, body: bytes, headers: dict[str, str]) -> None:
        current.append(trace.get_current_span().get_span_context())

    uow = DemandUnitOfWork(make_session_factory(engine))
    with tracing.tracer().start_as_current_span("request"):
        async with uow:
            await uow.emit(NEEDS, need_event("need-1"))
            await uow.commit()
    async with engine.connect() as conn:
        headers = [dict(h) for h in (await conn.execute(select(orm.outbox.c.headers))).scalars()]
    await OutboxRelay(engine, orm.outbox, publish).publish_pending()
    await engine.dispose()
    return headers, current


async def test_the_relay_publishes_a_row_in_the_trace_of_the_work_that_wrote_it(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    headers, current = await written_and_published(tmp_path)

    (request,) = [s for s in spans.get_finished_spans() if s.name == "request"]
    context = request.get_span_context()
    assert context is not None
    assert headers[0]["traceparent"].startswith(f"00-{context.trace_id:032x}-{context.span_id:016x}-")
    assert headers[0]["event-type"] == "demand.need.registered"  # the routing headers stay
    (published_in,) = current
    assert published_in.trace_id == context.trace_id
    assert published_in.span_id == context.span_id


async def test_with_tracing_off_a_row_carries_no_trace_context(tmp_path: Path) -> None:
    assert not tracing.enabled()
    headers, current = await written_and_published(tmp_path)
    assert "traceparent" not in headers[0]
    assert not current[0].is_valid


def test_a_background_statement_starts_no_trace_and_one_within_work_is_kept(spans: InMemorySpanExporter) -> None:
    tracer = tracing.tracer()
    with tracer.start_as_current_span("poll", kind=trace.SpanKind.CLIENT):
        pass
    with (
        tracer.start_as_current_span("request", kind=trace.SpanKind.SERVER),
        tracer.start_as_current_span("SELECT", kind=trace.SpanKind.CLIENT),
    ):
        pass
    assert sorted(s.name for s in spans.get_finished_spans()) == ["SELECT", "request"]


def test_a_process_may_name_the_service_its_spans_are_recorded_under(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    assert tracing.new_provider("notifications").resource.attributes["service.name"] == "notifications"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "notifications-dispatcher")
    assert tracing.new_provider("notifications").resource.attributes["service.name"] == "notifications-dispatcher"
