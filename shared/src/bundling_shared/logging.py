"""Structured JSON logs carrying the correlation id across services.

The correlation id lives in a context variable bound by the HTTP middleware and by the
Kafka consumer middleware, so every log line of one flow carries it in every service.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

import structlog

from bundling_shared.log_repeats import REPEAT_SECONDS, RepeatFilter, Repeats

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def bind_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)
    if value is None:
        structlog.contextvars.unbind_contextvars("correlation_id")
    else:
        structlog.contextvars.bind_contextvars(correlation_id=value)


# Libraries that log every retry while a broker is away.
RETRYING_LIBRARIES = ("aiokafka",)


def configure_logging(
    service: str, level: str = "INFO", json_output: bool = True, repeat_seconds: float = REPEAT_SECONDS
) -> None:
    """`repeat_seconds`: a library's warning or error that repeats is written once per
    this interval, with a count (`bundling_shared.log_repeats`)."""
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared_processors, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries (uvicorn, aiokafka, faststream) log through stdlib: render them the same way.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared_processors, structlog.stdlib.add_logger_name],
        )
    )
    handler.addFilter(RepeatFilter(RETRYING_LIBRARIES, Repeats(repeat_seconds)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
