"""A unit of work that lets a rival transaction commit between a handler's reading and its
writing: at its first commit, or at the first call on one of its repositories (for a
handler that reads that repository after changing an object, before any write reaches
the database)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


class RivalBeforeFirstCommit:
    def __init__(self, uow: Any, rival: Callable[[], Awaitable[None]], *, at: str = "commit") -> None:
        self._uow, self._rival, self._at, self.rivals_run = uow, rival, at, 0

    async def run_rival(self) -> None:
        if not self.rivals_run:
            self.rivals_run += 1
            await self._rival()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._uow, name)
        return _RivalFirst(found, self) if name == self._at and not self.rivals_run else found

    async def __aenter__(self) -> RivalBeforeFirstCommit:
        await self._uow.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._uow.__aexit__(*exc)

    async def commit(self) -> None:
        if self._at == "commit":
            await self.run_rival()
        await self._uow.commit()


class _RivalFirst:
    """A repository whose first awaited call lets the rival commit before it runs."""

    def __init__(self, repository: Any, uow: RivalBeforeFirstCommit) -> None:
        self._repository, self._uow = repository, uow

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repository, name)

        async def rival_first(*args: Any, **kwargs: Any) -> Any:
            await self._uow.run_rival()
            return await method(*args, **kwargs)

        return rival_first
