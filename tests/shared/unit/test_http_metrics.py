"""HTTP requests are counted and timed by route template and status: ids never become
labels, a path no route knows is `unmatched`, and `/metrics` needs no token."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI

from bundling_shared.http import install_common
from bundling_shared.observability.metrics import ServiceMetrics
from bundling_shared.settings import MetricsSettings
from demand.config import DemandSettings
from demand.entrypoints.app import create_app


def app_with(metrics: ServiceMetrics) -> FastAPI:
    things = APIRouter(prefix="/things")

    @things.get("/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @things.post("")
    async def make(body: dict[str, str]) -> dict[str, str]:
        return body

    api = APIRouter(prefix="/v1")
    api.include_router(things)
    app = FastAPI()

    async def ok() -> None:
        pass

    install_common(app, {"database": ok}, max_body_bytes=1024, metrics=metrics)
    app.include_router(api)
    return app


async def test_requests_are_counted_by_route_template_and_status_and_unknown_paths_fold_together() -> None:
    metrics = ServiceMetrics("demand")
    transport = httpx.ASGITransport(app=app_with(metrics))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for thing in ("a1", "b2", "c3"):
            assert (await client.get(f"/v1/things/{thing}")).status_code == 200
        assert (await client.get("/wp-admin/setup.php")).status_code == 404
        assert (await client.get("/.env")).status_code == 404
        assert (await client.post("/v1/things", content=b"x" * 2048)).status_code == 413
        assert (await client.request("BREW", "/v1/things/a1")).status_code == 405
        exposed = await client.get("/metrics")  # no token asked

    assert exposed.status_code == 200
    assert exposed.headers["content-type"].startswith("text/plain")
    sample = metrics.registry.get_sample_value
    by = {"service": "demand", "method": "GET"}
    assert sample("http_requests_total", {**by, "route": "/v1/things/{thing_id}", "status": "200"}) == 3
    assert sample("http_request_duration_seconds_count", {**by, "route": "/v1/things/{thing_id}"}) == 3
    assert sample("http_requests_total", {**by, "route": "unmatched", "status": "404"}) == 2
    posted = {"service": "demand", "method": "POST", "route": "unmatched", "status": "413"}
    assert sample("http_requests_total", posted) == 1, "refused before routing, so no route"
    brewed = {"service": "demand", "method": "other", "route": "/v1/things/{thing_id}", "status": "405"}
    assert sample("http_requests_total", brewed) == 1
    text = exposed.text
    assert 'route="/v1/things/{thing_id}"' in text
    assert "a1" not in text and "setup.php" not in text
    assert "process_resident_memory_bytes" in text and "python_gc_collections_total" in text  # the process's own


def test_a_service_with_metrics_switched_off_serves_no_metrics_route(tmp_path: Path) -> None:
    def paths(enabled: bool) -> set[str]:
        settings = DemandSettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'demand.db'}", metrics=MetricsSettings(enabled=enabled)
        )
        return set(create_app(settings).openapi()["paths"])

    assert "/metrics" in paths(True)
    assert "/metrics" not in paths(False)
    assert "/health" in paths(False)
