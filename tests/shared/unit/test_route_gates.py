"""Gated routers answer every path they answered before, and are not asked for others."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import Match

from bundling_shared.route_gates import GatedRouter, gate_included_routers


def _app() -> FastAPI:
    lots, reports, anything = APIRouter(), APIRouter(), APIRouter()

    @lots.get("/lots/{lot_id}")
    async def lot(lot_id: str) -> dict[str, str]:
        return {"lot": lot_id}

    @lots.post("/contracts/{contract_id}/lots")
    async def add_lot(contract_id: str) -> dict[str, str]:
        return {"added to": contract_id}

    @reports.get("/reports/deliveries")
    async def deliveries() -> dict[str, str]:
        return {"report": "deliveries"}

    @anything.get("/{subject}/summary")
    async def summary(subject: str) -> dict[str, str]:
        return {"summary of": subject}

    app = FastAPI()
    for router in (lots, reports, anything):
        app.include_router(router, prefix="/v1")
    gate_included_routers(app)
    return app


def _scope(app: FastAPI, path: str, method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


async def test_every_path_answers_as_before_through_the_gates() -> None:
    app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/v1/lots/l-1")).json() == {"lot": "l-1"}
        assert (await client.post("/v1/contracts/c-1/lots")).json() == {"added to": "c-1"}
        assert (await client.get("/v1/reports/deliveries")).json() == {"report": "deliveries"}
        assert (await client.get("/v1/lots/summary")).json() == {"lot": "summary"}
        assert (await client.get("/v1/reports/summary")).json() == {"summary of": "reports"}
        assert (await client.get("/v1/frameworks/summary")).json() == {"summary of": "frameworks"}
        assert (await client.get("/v1/contracts/c-1/lots")).status_code == 405
        assert (await client.get("/v1/unknown")).status_code == 404
    assert set(app.openapi()["paths"]) == {
        "/v1/lots/{lot_id}",
        "/v1/contracts/{contract_id}/lots",
        "/v1/reports/deliveries",
        "/v1/{subject}/summary",
    }


def test_a_router_with_a_parameter_in_its_first_segments_stays_ungated() -> None:
    kinds = [type(route) for route in _app().router.routes if isinstance(route, _IncludedRouter)]
    assert kinds == [GatedRouter, GatedRouter, _IncludedRouter]


def test_a_gated_router_is_not_asked_for_a_path_that_begins_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app()
    lots = app.router.routes[-3]
    assert isinstance(lots, GatedRouter)
    asked: list[str] = []

    def recording(scope: dict[str, Any]) -> Any:
        asked.append(scope["path"])
        return Match.NONE, {}, None, None

    monkeypatch.setattr(lots, "_match", recording)
    assert lots.matches(_scope(app, "/v1/reports/deliveries")) == (Match.NONE, {})
    assert lots.matches(_scope(app, "/v1/frameworks/f-1/call-offs")) == (Match.NONE, {})
    assert asked == []
    lots.matches(_scope(app, "/v1/lots/l-1"))
    lots.matches(_scope(app, "/v1/contracts/c-1/lots"))
    assert asked == ["/v1/lots/l-1", "/v1/contracts/c-1/lots"]
