"""OpenTelemetry traces: off unless configured, and then one trace from the request that
changed something through the outbox, Kafka and the consumers of the next services to
the webhook that told a company of it.

A process runs one service and has one tracer provider, set once at start-up
(`configure`) from `TracingSettings`: spans go over OTLP/HTTP to a collector, or as JSON
lines to a file (tests and rehearsals read it). While it is off, nothing is instrumented
and every helper here returns after one flag check.

The outbox breaks the call chain on purpose (the relay publishes later, from another
task), so the trace context travels in the outbox row itself: `headers()` gives the W3C
`traceparent` of the span under way when the row is written, and `continued()` makes it
the current context again when the relay publishes the row, whose producer span is
therefore a child of the request or consumer that wrote it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

from bundling_shared.settings import TracingSettings

TRACEPARENT = "traceparent"
TRACER = "bundling"

_provider: TracerProvider | None = None


def enabled() -> bool:
    return _provider is not None


def configure(service: str, settings: TracingSettings) -> bool:
    """Installs the process's tracer provider when an exporter is configured; returns
    whether tracing is on. Called once, where the process starts."""
    if _provider is not None or not settings.active:
        return _provider is not None
    provider = new_provider(service)
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if settings.file is not None:
        provider.add_span_processor(BatchSpanProcessor(JsonLinesExporter(settings.file), schedule_delay_millis=200))
    trace.set_tracer_provider(provider)  # for libraries that ask the API for theirs
    install(provider)
    return True


def new_provider(service: str) -> TracerProvider:
    """Spans are recorded under `service`, unless the SDK's own `OTEL_SERVICE_NAME` names
    another (a dispatcher process apart from its service)."""
    resource = Resource.create({"service.name": service}).merge(OTELResourceDetector().detect())
    return TracerProvider(resource=resource, sampler=WithinWork())


def install(provider: TracerProvider | None) -> TracerProvider | None:
    """The provider every span here and in the instrumentations comes from (None: tracing
    off); returns the one before. `configure` calls it; tests give theirs and restore."""
    global _provider
    before, _provider = _provider, provider
    return before


def provider() -> TracerProvider | None:
    return _provider


def shutdown() -> None:
    """Sends the spans still buffered, as a process stops: they go out in batches, every
    200 ms to a file and every 5 s to a collector."""
    if _provider is not None:
        _provider.force_flush()


def tracer() -> trace.Tracer:
    return _provider.get_tracer(TRACER) if _provider is not None else trace.get_tracer(TRACER)


def headers() -> dict[str, str]:
    """The current trace context as message headers (`traceparent`), or none when tracing
    is off or no span is under way."""
    if _provider is None:
        return {}
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def traceparent() -> str | None:
    """The current span's W3C `traceparent`, for a row that outlives the request (a
    message the dispatcher sends later); None when tracing is off."""
    return headers().get(TRACEPARENT)


@contextlib.contextmanager
def continued(carrier: Mapping[str, str] | None) -> Iterator[None]:
    """Makes the trace context in `carrier` the current one for the block, so the spans
    it starts join that trace; without one (tracing off, a row written before it was on)
    the block runs as it would."""
    if _provider is None or not carrier or TRACEPARENT not in carrier:
        yield
        return
    token = context.attach(propagate.extract(dict(carrier)))
    try:
        yield
    finally:
        context.detach(token)


@contextlib.contextmanager
def span(
    name: str, *, parent: str | None = None, kind: trace.SpanKind = trace.SpanKind.INTERNAL, **attributes: Any
) -> Iterator[trace.Span | None]:
    """A span of our own (a webhook attempt), a child of `parent` (a stored `traceparent`)
    when one is given, else of the current span."""
    if _provider is None:
        yield None
        return
    with (
        continued({TRACEPARENT: parent} if parent else None),
        tracer().start_as_current_span(name, kind=kind, attributes=attributes) as current,
    ):
        yield current


# A batch consumer's messages belong to as many traces: the batch's own span only links
# them. The handler remembers each message's trace context by its event id, and the work
# done for one event resumes that event's trace (`resumed`), so the events it causes
# carry it on. No span is started per event: at thousands of events a second a span
# each would cost more than placing the event does.
_carriers: ContextVar[dict[str, dict[str, str]] | None] = ContextVar("trace_carriers", default=None)
_NOTHING = contextlib.nullcontext()


@contextlib.contextmanager
def carrying() -> Iterator[None]:
    """The scope of one batch handler: what `remember` keeps lives as long as it."""
    if _provider is None:
        yield
        return
    token = _carriers.set({})
    try:
        yield
    finally:
        _carriers.reset(token)


def remember(event_id: str | None, headers: Mapping[str, str]) -> None:
    carriers = _carriers.get()
    if carriers is not None and event_id and TRACEPARENT in headers:
        carriers[event_id] = {TRACEPARENT: headers[TRACEPARENT]}


def resumed(event_id: object) -> contextlib.AbstractContextManager[None]:
    """The trace of the remembered message `event_id` made current for the block, if there
    is one; with tracing off, a context that does nothing."""
    if _provider is None:
        return _NOTHING
    carriers = _carriers.get()
    return continued(carriers.get(str(event_id)) if carriers is not None else None)


def instrument_engine(engine: Any) -> None:
    """Each statement a span, a child of the request or message it serves."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares SQLAlchemy below 2.1; it hooks the engine's public
    # cursor events, which 2.1 keeps as they were.
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, tracer_provider=_provider, skip_dep_check=True)


def instrument_app(app: Any) -> None:
    """A server span per request, named by its route template; `/health`, `/ready` and
    `/metrics` are polled all day and are left out."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=_provider, excluded_urls="/health,/ready,/metrics", exclude_spans=["receive", "send"]
    )


class WithinWork(Sampler):
    """Every span of a request, a message or a webhook attempt; no database statement or
    outgoing call on its own. Background loops (the relay, the dispatcher, the probes)
    poll the database several times a second: a trace per poll would bury the traces of
    what users did."""

    def should_sample(
        self,
        parent_context: context.Context | None,
        trace_id: int,
        name: str,
        kind: trace.SpanKind | None = None,
        attributes: Any = None,
        links: Any = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if not parent.is_valid and kind is trace.SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes, parent.trace_state)

    def get_description(self) -> str:
        return "WithinWork"


class JsonLinesExporter(SpanExporter):
    """Finished spans as one JSON object a line: trace and span ids in hex, the parent's
    span id, service, name, kind, times in nanoseconds, attributes and links."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [json.dumps(_as_dict(s), default=str) + "\n" for s in spans]
        with self._lock, self._path.open("a", encoding="utf-8") as out:
            out.writelines(lines)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def _as_dict(s: ReadableSpan) -> dict[str, Any]:
    ctx = s.get_span_context()
    assert ctx is not None
    return {
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
        "parent_span_id": f"{s.parent.span_id:016x}" if s.parent is not None else None,
        "service": s.resource.attributes.get("service.name"),
        "name": s.name,
        "kind": s.kind.name,
        "start": s.start_time,
        "end": s.end_time,
        "attributes": dict(s.attributes or {}),
        "links": [{"trace_id": f"{x.context.trace_id:032x}", "span_id": f"{x.context.span_id:016x}"} for x in s.links],
    }
