"""The OpenAPI documents declare what each route can answer, and nothing it cannot: a
client generated from them handles every real answer, and schemathesis holds the services
to them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from bundling_shared.http import install_common
from bundling_shared.problems import document_problems, install_problem_handlers


async def _fine() -> None:
    return None


@pytest.fixture
def document() -> dict[str, Any]:
    app = FastAPI()
    install_problem_handlers(app)
    install_common(app, {"database": _fine}, max_body_bytes=1000)

    @app.get("/v1/nations")
    async def nations() -> list[str]:
        return []

    @app.get("/v1/needs")
    async def needs(limit: int = 10) -> list[str]:
        return []

    document_problems(app)
    schema: dict[str, Any] = app.openapi()
    return schema


def test_the_probes_declare_no_422_and_every_api_route_does(document: dict[str, Any]) -> None:
    """An API route refuses a query parameter it does not know, even one that reads none."""
    assert "422" not in document["paths"]["/health"]["get"]["responses"]
    assert "422" in document["paths"]["/v1/nations"]["get"]["responses"]
    assert "422" in document["paths"]["/v1/needs"]["get"]["responses"]


def test_readiness_declares_the_503_it_answers_with_its_body(document: dict[str, Any]) -> None:
    responses = document["paths"]["/ready"]["get"]["responses"]
    assert set(responses) == {"200", "503"}
    for status in ("200", "503"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Readiness"}
    assert set(document["components"]["schemas"]["Readiness"]["properties"]) == {"status", "checks"}
