"""The statements an engine sends while a test acts: how many round trips an act costs,
and which reads it leaves out, are rules of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session


@contextmanager
def _each_statement(engine: AsyncEngine, seen: Callable[..., None]) -> Iterator[None]:
    """`seen(conn, cursor, statement, parameters, ...)` for every statement sent while inside."""
    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the engine sends to the database while inside, on one line each."""
    sent: list[str] = []
    with _each_statement(engine, lambda _conn, _cursor, statement, *_: sent.append(" ".join(statement.split()))):
        yield sent


@contextmanager
def statements_with_parameters(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """As `statements_run`, each statement with the parameters it was sent with: to ask the
    database how it would run one (its plan)."""
    sent: list[tuple[str, Any]] = []
    with _each_statement(
        engine, lambda _conn, _cursor, statement, parameters, *_: sent.append((statement, parameters))
    ):
        yield sent


@contextmanager
def objects_flushed() -> Iterator[list[object]]:
    """The changed objects of every session's flush while inside: an act whose changes are
    plain changes of columns writes them as updates of their own, without a flush."""
    flushed: list[object] = []

    def flushing(session: Session, *_: object) -> None:
        flushed.extend(session.dirty)

    event.listen(Session, "before_flush", flushing)
    try:
        yield flushed
    finally:
        event.remove(Session, "before_flush", flushing)
