"""The part every repository shares: aggregates of one kind, as one session tracks them.

An aggregate is added to the session and read back by its key as the one object the
session holds for that row, so a handler that loads it twice changes one object. The
queries an aggregate needs besides are its repository's own.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

AggregateT = TypeVar("AggregateT")


class SessionRepository(Generic[AggregateT]):
    kind: type[AggregateT]

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, aggregate: AggregateT) -> None:
        self._session.add(aggregate)

    async def get(self, key: str) -> AggregateT | None:
        return await self._session.get(self.kind, key)
