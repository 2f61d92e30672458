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


def _is_permanent(exc: BaseException) -> bool:
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


def retry_then_dead_letter(policy: RetryPolicy) -> type[BaseMiddleware]:
    """A broker middleware class bound to `policy` (FastStream instantiates it per message)."""

    class DeadLetterMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
            headers = {k: v for k, v in msg.headers.items() if isinstance(v, str)}
            bind_correlation_id(headers.get("correlation-id"))
            attempt = 0
            while True:
                attempt += 1
                try:
                    return await call_next(msg)
                except Exception as exc:
                    if _is_permanent(exc) or attempt >= policy.max_attempts:
                        await self._dead_letter(msg, headers, exc, attempt)
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

        async def _dead_letter(
            self, msg: StreamMessage[Any], headers: dict[str, str], exc: BaseException, attempts: int
        ) -> None:
            raw = msg.raw_message
            topic = str(getattr(raw, "topic", "unknown"))
            key = getattr(raw, "key", None)
            broker = self.context.get("broker")
            await broker.publish(
                msg.body,
                topic + DEAD_LETTER_SUFFIX,
                key=key,
                headers=dead_letter_headers(raw, policy.service, exc, attempts, headers),
            )
            log.error(
                "consumer.dead_lettered",
                topic=topic,
                offset=getattr(raw, "offset", None),
                error_type=type(exc).__name__,
                error=str(exc)[:500],
                attempts=attempts,
            )

    return DeadLetterMiddleware
