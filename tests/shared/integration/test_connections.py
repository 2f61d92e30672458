"""Connections to PostgreSQL that the server closed while they waited in the pool (a
restart ends every session) are replaced before they are handed out: the next
transaction succeeds, and none of its statements is spent on asking first."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from bundling_shared.db import make_engine


async def test_a_connection_the_server_closed_is_replaced_before_it_is_used(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    other = make_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        async with other.connect() as admin:
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.3)  # the driver reads the end of the connection from its socket

        pinged: list[object] = []
        ping = engine.dialect.do_ping

        def noted(dbapi_connection: Any) -> bool:
            pinged.append(dbapi_connection)
            return ping(dbapi_connection)

        engine.dialect.do_ping = noted  # type: ignore[method-assign]
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
        assert pinged == []  # the server was not asked first
    finally:
        await engine.dispose()
        await other.dispose()
