"""The contracts service in-process on a real database (SQLite and PostgreSQL), called
through HTTP, with helpers to read what it staged for the broker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bundling_shared.auth import Role
from bundling_shared.clock import FixedClock
from contracts.adapters import orm
from contracts.bootstrap import ContractsService
from contracts.config import ContractsSettings
from contracts.entrypoints.app import MIGRATIONS, create_app
from tests.support.api import bearer, coordinator
from tests.support.migrated import at_latest_schema
from tests.support.today import TODAY, now_on_the_day

ADMIN = bearer(Role.ADMIN)
DECLARED_UNTIL = TODAY + timedelta(days=400)
"""A supplier's security declaration in these tests: valid for over a year from the day they
run (and within the platform's calendar, which ends with 2100, whatever that day is)."""


@dataclass
class Api:
    service: ContractsService
    client: httpx.AsyncClient
    app: FastAPI | None = None
    clock: FixedClock | None = None

    def on(self, day: date) -> None:
        """From now on the service's clock reads this day (a standstill can run out in a test)."""
        assert self.clock is not None
        self.clock.at = datetime.combine(day, self.clock.at.timetz())

    async def call(self, method: str, path: str, headers: dict[str, str], body: Any = None, expect: int = 200) -> Any:
        response = await self.client.request(method, path, headers=headers, json=body)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        """Events staged in the outbox for the broker, of one type, oldest first."""
        async with self.service.engine.connect() as conn:
            rows = (await conn.execute(select(orm.outbox).order_by(orm.outbox.c.id))).all()
        return [json.loads(r.body) for r in rows if r.event_type == event_type]

    async def supplier(
        self, org: str, country: str, valid_until: date | None = DECLARED_UNTIL, **extra: Any
    ) -> dict[str, Any]:
        body = {"organisation": org, "country": country, "security_declaration_valid_until": valid_until, **extra}
        found: dict[str, Any] = await self.call("POST", "/v1/suppliers", coordinator(), jsonable(body), 201)
        return found


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@pytest.fixture
def clock() -> FixedClock:
    """The contracts service's clock in these tests: it starts at the moment the test runs,
    whatever the year, and moves only when a test moves it."""
    return FixedClock(now_on_the_day())


@pytest.fixture
async def api(database_url: str, clock: FixedClock) -> AsyncIterator[Api]:
    await at_latest_schema(database_url, MIGRATIONS)
    app = create_app(ContractsSettings(database_url=database_url, run_migrations=False), clock=clock)
    service: ContractsService = app.state.service
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://contracts") as client:
        yield Api(service, client, app, clock)
    await service.engine.dispose()
