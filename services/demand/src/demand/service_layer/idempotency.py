"""Requests that create something, made safe to retry: with an Idempotency-Key, the first
request creates and its answer is kept in the same transaction; a repeat, or a request
with the same key racing in at the same moment, gets that answer back and creates
nothing. A desk that lost the answer to a pledge of 250 M EUR can send it again without
pledging twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from demand.domain.errors import DemandRuleViolation
from demand.service_layer.unit_of_work import StoredAnswer, UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class IdempotencyKey(Generic[T]):
    """A request's Idempotency-Key, with what its answer is kept as."""

    scope: str  # whose keys these are (and, beside needs, for which kind of request)
    key: str
    fingerprint: str  # of the request: the same key with another request is refused
    render: Callable[[T], str]
    status_code: int = 201


async def answer_once(uow: UnitOfWork, key: IdempotencyKey[T], create: Callable[[], Awaitable[T]]) -> StoredAnswer:
    """The answer to the first request with `key`: `create` runs inside the transaction
    that keeps its answer, once.

    A fresh key, as nearly every request has, is not looked up first: the answer is
    stored under it, and the key's uniqueness refuses a second one. Only when that
    refusal comes, or `create` refuses the request, is the key looked up, in a
    transaction of its own, and the answer stored under it, if any, replayed: a repeat
    gets the first answer even when the same request would be refused now."""
    try:
        async with uow:
            made = await create()
            answer = StoredAnswer(key.fingerprint, key.status_code, key.render(made))
            await uow.idempotency.add(key.scope, key.key, answer, uow.clock.now())
            await uow.commit()
            return answer
    except Exception:
        async with uow:
            stored = await uow.idempotency.get(key.scope, key.key)
        if stored is None:
            raise
    if stored.fingerprint != key.fingerprint:
        raise DemandRuleViolation("this Idempotency-Key was used for a different request")
    return stored
