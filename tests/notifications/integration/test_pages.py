"""The service's pages on both databases, each read with its count in one statement: an
endpoint's attempt log (newest first, by every filter), the endpoints (oldest first, one
owner's or every one) and where a message went. Every page is the slice of the whole
list it names, ties in time broken by id, past its end too; and a page near the end of a
long attempt log is read from the end, not by stepping past every attempt before it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bundling_shared.db import make_engine, migrate
from notifications.adapters import orm
from notifications.adapters.repository import (
    AttemptRepository,
    DeliveryRepository,
    EndpointRepository,
    _attempt_page,
)
from notifications.domain.access import Scope
from notifications.entrypoints.app import MIGRATIONS
from notifications.service_layer.unit_of_work import AttemptFilter
from tests.support.page_work import page_work

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BUSY = "ep_busy"
ENDPOINTS = {  # id: (owner, organisation, seconds after START it was registered)
    "ep_b": ("industry", "NAMMO", 0),
    "ep_a": ("industry", "NAMMO", 0),  # registered at the same moment: the id decides
    "ep_thales": ("industry", "THALES", 1),
    "ep_nld": ("nation", "NLD", 2),
    BUSY: ("industry", "NAMMO", 3),
}
EVENT_TYPES = ["contract.created", "call_off.placed", "delivery.delayed"]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


def _id(n: int) -> str:
    """Ids whose order is not the order they were made in."""
    return f"att_{(n * 7919) % 100_003:06d}"


def _delivery(endpoint_id: str, m: int) -> str:
    return f"dlv_{endpoint_id}_{(m * 31) % 997:03d}"


async def fill(engine: AsyncEngine, messages: int, attempts: dict[str, int]) -> list[dict[str, Any]]:
    """The endpoints; `messages` messages, each delivered to every endpoint; and as many
    attempts per endpoint as `attempts` says, several at each moment, their messages and
    outcomes taking turns, the endpoints' attempts between each other's. The attempts as
    written."""
    rows: dict[Any, list[dict[str, Any]]] = {orm.endpoints: [], orm.messages: [], orm.deliveries: [], orm.attempts: []}
    for eid, (owner, organisation, after) in ENDPOINTS.items():
        rows[orm.endpoints].append(
            {"id": eid, "organisation": organisation, "owner": owner, "url": f"https://hooks.example/{eid}",
             "description": "", "event_types": [], "secret": "whsec_x", "status": "active",
             "created_at": START + timedelta(seconds=after)}
        )  # fmt: skip
    for m in range(messages):
        at = START + timedelta(minutes=m // 2)  # two messages a minute: deliveries made at the same moment
        rows[orm.messages].append(
            {"id": f"msg_{m:04d}", "event_type": EVENT_TYPES[m % 3], "payload": {}, "occurred_at": at,
             "source_event_id": f"00000000-0000-0000-0000-{m:012d}", "created_at": at}
        )  # fmt: skip
        for eid in ENDPOINTS:
            rows[orm.deliveries].append(
                {"id": _delivery(eid, m), "message_id": f"msg_{m:04d}", "endpoint_id": eid,
                 "status": "succeeded", "attempt_count": 1, "created_at": at, "updated_at": at}
            )  # fmt: skip
    for n in range(max(attempts.values())):
        for eid, count in attempts.items():
            if n < count:
                m = n % messages
                rows[orm.attempts].append(
                    {"id": f"{_id(n)}_{eid}", "delivery_id": _delivery(eid, m),
                     "message_id": f"msg_{m:04d}", "endpoint_id": eid, "at": START + timedelta(seconds=n // 3),
                     "status_code": 204 if n % 4 else 503, "latency_ms": n, "succeeded": bool(n % 4),
                     "error": None if n % 4 else "HTTP 503", "response_body": f"answer {n}"}
                )  # fmt: skip
    async with engine.begin() as conn:
        for table, written in rows.items():
            await conn.execute(insert(table), written)
        if conn.dialect.name == "postgresql":  # its statistics, as autovacuum gathers them after inserts
            await conn.execute(text("ANALYZE"))
    return rows[orm.attempts]


async def attempt_page(
    engine: AsyncEngine, where: AttemptFilter, limit: int, offset: int
) -> tuple[list[tuple[str, int]], int]:
    async with AsyncSession(engine) as session:
        found, total = await AttemptRepository(session).page(BUSY, where, limit, offset)
    return [(row["id"], row["latency_ms"]) for row in found], total


def newest_first(attempts: list[dict[str, Any]], keep: Callable[[dict[str, Any]], bool]) -> list[tuple[str, int]]:
    mine = [a for a in attempts if a["endpoint_id"] == BUSY and keep(a)]
    return [(a["id"], a["latency_ms"]) for a in sorted(mine, key=lambda a: (a["at"], a["id"]), reverse=True)]


async def test_every_page_of_the_attempt_log_is_its_slice_newest_first(engine: AsyncEngine) -> None:
    attempts = await fill(engine, messages=5, attempts={BUSY: 37, "ep_a": 50})
    whole = newest_first(attempts, lambda _: True)
    assert len(whole) == 37
    for limit in (1, 5, 10, 37, 100):
        for offset in range(0, 42):
            assert await attempt_page(engine, AttemptFilter(), limit, offset) == (
                whole[offset : offset + limit],
                37,
            ), (limit, offset)


MOMENT = START + timedelta(seconds=4)
FILTERS: list[tuple[AttemptFilter, Callable[[dict[str, Any]], bool]]] = [
    (AttemptFilter(succeeded=False), lambda a: not a["succeeded"]),
    (AttemptFilter(succeeded=True), lambda a: a["succeeded"]),
    (AttemptFilter(message_id="msg_0002"), lambda a: a["message_id"] == "msg_0002"),
    (AttemptFilter(event_type=EVENT_TYPES[1]), lambda a: EVENT_TYPES[int(a["message_id"][4:]) % 3] == EVENT_TYPES[1]),
    (AttemptFilter(since=MOMENT), lambda a: a["at"] >= MOMENT),
    (AttemptFilter(until=MOMENT), lambda a: a["at"] < MOMENT),
    (
        AttemptFilter(succeeded=True, message_id="msg_0001", since=START + timedelta(seconds=2), until=MOMENT),
        lambda a: a["succeeded"] and a["message_id"] == "msg_0001" and START + timedelta(seconds=2) <= a["at"] < MOMENT,
    ),
    (AttemptFilter(event_type="bundle.opened"), lambda _: False),
]  # fmt: skip


@pytest.mark.parametrize(("where", "keep"), FILTERS, ids=[str(n) for n in range(len(FILTERS))])
async def test_a_filtered_attempt_log_is_paged_and_counted_as_filtered(
    engine: AsyncEngine, where: AttemptFilter, keep: Callable[[dict[str, Any]], bool]
) -> None:
    attempts = await fill(engine, messages=4, attempts={BUSY: 30, "ep_thales": 30})
    seen = newest_first(attempts, keep)
    for offset in range(0, len(seen) + 3):
        assert await attempt_page(engine, where, 4, offset) == (seen[offset : offset + 4], len(seen)), offset


async def test_an_endpoint_without_attempts_has_an_empty_log(engine: AsyncEngine) -> None:
    await fill(engine, messages=2, attempts={"ep_a": 5})
    assert await attempt_page(engine, AttemptFilter(), 10, 0) == ([], 0)
    assert await attempt_page(engine, AttemptFilter(), 10, 7) == ([], 0)


@pytest.mark.parametrize(
    ("scope", "listed"),
    [
        (None, ["ep_a", "ep_b", "ep_thales", "ep_nld", BUSY]),
        (Scope.industry("NAMMO"), ["ep_a", "ep_b", BUSY]),
        (Scope.nation("NLD"), ["ep_nld"]),
        (Scope.industry("KNDS"), []),
    ],
    ids=["the administrator's", "a company's", "a nation's", "none"],
)
async def test_the_endpoints_are_paged_oldest_first_without_their_secrets(
    engine: AsyncEngine, scope: Scope | None, listed: list[str]
) -> None:
    await fill(engine, messages=1, attempts={"ep_a": 1})
    for limit in (1, 2, 10):
        for offset in range(0, len(listed) + 2):
            async with AsyncSession(engine) as session:
                found, total = await EndpointRepository(session).page(scope, limit, offset)
            assert ([e["id"] for e in found], total) == (listed[offset : offset + limit], len(listed)), (limit, offset)
            assert all("secret" not in e and "previous_secret" not in e for e in found)


@pytest.mark.parametrize(
    ("scope", "endpoints"),
    [
        (None, ["ep_a", "ep_b", "ep_thales", "ep_nld", BUSY]),
        (Scope.industry("NAMMO"), ["ep_a", "ep_b", BUSY]),
        (Scope.industry("THALES"), ["ep_thales"]),
        (Scope.industry("KNDS"), []),
    ],
    ids=["the administrator's", "a company's", "another company's", "none"],
)
async def test_where_a_message_went_is_paged_oldest_first_as_the_caller_sees_it(
    engine: AsyncEngine, scope: Scope | None, endpoints: list[str]
) -> None:
    await fill(engine, messages=4, attempts={"ep_a": 1})
    for m in (2, 3):  # made at the same moment: the deliveries' ids decide
        message_id = f"msg_{m:04d}"
        went = sorted(_delivery(endpoint, m) for endpoint in endpoints)
        for offset in range(0, len(went) + 2):
            async with AsyncSession(engine) as session:
                found, total = await DeliveryRepository(session).page_for_message(message_id, scope, 2, offset)
            assert ([d["id"] for d in found], total) == (went[offset : offset + 2], len(went)), (message_id, offset)
            assert all(d["message_id"] == message_id and d["endpoint_id"] in endpoints for d in found)


@pytest.mark.parametrize(
    "where", [AttemptFilter(), AttemptFilter(succeeded=True)], ids=["every attempt", "those that succeeded"]
)
async def test_a_page_near_the_end_of_the_attempt_log_is_read_from_the_end(
    engine: AsyncEngine, database_url: str, where: AttemptFilter
) -> None:
    """The work a page's statement does besides the count: about a page's worth at either
    end, against stepping past half the log for a page in its middle. Other endpoints'
    attempts lie between this one's."""
    size, limit = 12_000, 50
    attempts = await fill(engine, messages=10, attempts={BUSY: size, "ep_a": size, "ep_thales": size})
    listed = len(newest_first(attempts, lambda a: where.succeeded is None or a["succeeded"] is where.succeeded))

    async def work(limit: int, offset: int) -> int:
        return await page_work(database_url, engine, _attempt_page(_shape(where)), _values(where, limit, offset))

    counted_only = await work(0, 0)
    first, middle, last = [await work(limit, offset) - counted_only for offset in (0, listed // 2, listed - limit)]
    assert middle > 3 * first  # the measure sees attempts stepped past
    assert last < 1.3 * first, (first, middle, last)


async def test_an_endpoints_attempts_are_counted_on_the_narrowest_index(tmp_path: Path) -> None:
    """The count of the whole log steps through every attempt of the endpoint: on an index
    of the endpoint alone, not on one of the log's wider ones."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'plan.db'}")
    await migrate(engine, MIGRATIONS)
    await engine.dispose()
    compiled = _attempt_page((False,) * 5).compile(dialect=sqlite.dialect())
    values = {**compiled.params, "endpoint_id": BUSY, "limit": 10, "offset": 0}
    with sqlite3.connect(tmp_path / "plan.db") as conn:
        plan = conn.execute(
            f"EXPLAIN QUERY PLAN {compiled}", [values[n] for n in compiled.positiontup or []]
        ).fetchall()
    total = next(node for node, _, _, detail in plan if detail == "MATERIALIZE total")
    counted = [detail for _, parent, _, detail in plan if parent == total]
    assert counted == ["SEARCH attempts USING COVERING INDEX ix_attempts_endpoint (endpoint_id=?)"], plan


def _values(where: AttemptFilter, limit: int, offset: int) -> dict[str, Any]:
    given = {"succeeded": where.succeeded} if where.succeeded is not None else {}
    return {"endpoint_id": BUSY, **given, "limit": limit, "offset": offset}


def _shape(where: AttemptFilter) -> tuple[bool, ...]:
    return (where.succeeded is not None, False, False, False, False)
