"""The statements an engine sends while a test acts: how many round trips an act costs,
and which reads it leaves out, are rules of their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the engine sends to the database while inside, on one line each."""
    sent: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
