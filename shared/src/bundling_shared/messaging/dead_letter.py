"""Bounded retries with backoff, then the dead-letter topic; the consumer goes on.

A message that cannot be decoded, names an unknown event type or version, or keeps
failing is moved to ``<topic>.dlq`` with the error in its headers and its original bytes
as value, so a poison message never blocks its partition and nothing is lost. If even the
dead-letter publish fails, the error propagates and the message is redelivered
(at-least-once: the offset is committed only after this scope returns).
"""

from __future__ import annotations

import asyncio
import json
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faststream import BaseMiddleware
from faststream.message import StreamMessage
from pydantic import ValidationError

from bundling_shared.logging import bind_correlation_id, get_logger
from bundling_shared.observability.metrics import dead_lettered
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import DEAD_LETTER_SUFFIX

log = get_logger(__name__)


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help (a rule the event breaks)."""


PERMANENT = (PermanentError, ValidationError, json.JSONDecodeError, UnicodeDecodeError)


@dataclass(frozen=True)
class RetryPolicy:
    service: str
    max_attempts: int = 4
    backoff_seconds: float = 0.2
    backoff_max_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff_seconds * (2 ** (attempt - 1)), self.backoff_max_seconds))

    @classmethod
    def of(cls, settings: KafkaSettings, service: str) -> RetryPolicy:
        return cls(
            service=service,
            max_attempts=settings.consumer_max_attempts,
            backoff_seconds=settings.consumer_backoff_seconds,
            backoff_max_seconds=settings.consumer_backoff_max_seconds,
        )


def is_permanent(exc: BaseException) -> bool:
    """Retrying cannot help: the event breaks a rule or cannot be read."""
    return isinstance(exc, PERMANENT) or (exc.__cause__ is not None and isinstance(exc.__cause__, PERMANENT))


def dead_letter_headers(
    raw: Any, service: str, exc: BaseException, attempts: int, original: dict[str, str]
) -> dict[str, str]:
    return {
        **original,
        "dlq-original-topic": str(getattr(raw, "topic", "")),
        "dlq-original-partition": str(getattr(raw, "partition", "")),
        "dlq-original-offset": str(getattr(raw, "offset", "")),
        "dlq-consumer": service,
        "dlq-error-type": type(exc).__name__,
        "dlq-error": str(exc)[:2000],
        "dlq-traceback": "".join(traceback.format_exception(exc))[-4000:],
        "dlq-attempts": str(attempts),
        "dlq-failed-at": datetime.now(UTC).isoformat(),
    }


def is_batch(msg: StreamMessage[Any]) -> bool:
    """A batch subscriber's message: its raw message is a sequence of records (a tuple
    from the broker, a list from FastStream's in-memory test broker)."""
    return isinstance(msg.raw_message, tuple | list)


def batch_records(msg: StreamMessage[Any]) -> list[Any]:
    """The Kafka records behind `msg`, one for a single message."""
    return list(msg.raw_message) if is_batch(msg) else [msg.raw_message]


def record_headers(record: Any) -> dict[str, str]:
    """The text headers of a Kafka record, as the dead-letter headers carry them on."""
    return {k: v.decode(errors="replace") for k, v in (getattr(record, "headers", None) or ()) if v is not None}


async def publish_dead_letter(
    broker: Any,
    record: Any,
    body: bytes,
    service: str,
    exc: BaseException,
    attempts: int,
    headers: dict[str, str],
) -> None:
    """Moves one record to ``<topic>.dlq``: its original bytes, key and headers plus the
    error. Raises if the publish fails, so the caller does not commit past the record."""
    topic = str(getattr(record, "topic", "unknown"))
    await broker.publish(
        body,
        topic + DEAD_LETTER_SUFFIX,
        key=getattr(record, "key", None),
        headers=dead_letter_headers(record, service, exc, attempts, headers),
    )
    dead_lettered(broker, topic)
    log.error(
        "consumer.dead_lettered",
        topic=topic,
        offset=getattr(record, "offset", None),
        error_type=type(exc).__name__,
        error=str(exc)[:500],
        attempts=attempts,
    )


def retry_then_dead_letter(policy: RetryPolicy) -> type[BaseMiddleware]:
    """A broker middleware class bound to `policy` (FastStream instantiates it per message).

    A batch (``raw_message`` is then a sequence of records) is passed through untouched:
    retrying or dead-lettering it whole would move good records with a poison one. A batch
    handler settles each record itself (see `publish_dead_letter`); if it still raises,
    the error propagates, no offset is committed and the batch is delivered again.
    """

    class DeadLetterMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
            if is_batch(msg):
                return await call_next(msg)
            headers = {k: v for k, v in msg.headers.items() if isinstance(v, str)}
            bind_correlation_id(headers.get("correlation-id"))
            attempt = 0
            while True:
                attempt += 1
                try:
                    return await call_next(msg)
                except Exception as exc:
                    if is_permanent(exc) or attempt >= policy.max_attempts:
                        broker = self.context.get("broker")
                        await publish_dead_letter(
                            broker, msg.raw_message, msg.body, policy.service, exc, attempt, headers
                        )
                        return None
                    delay = policy.delay(attempt)
                    log.warning(
                        "consumer.retry",
                        attempt=attempt,
                        delay=delay,
                        error=repr(exc),
                        event_type=headers.get("event-type"),
                    )
                    await asyncio.sleep(delay)

    return DeadLetterMiddleware
