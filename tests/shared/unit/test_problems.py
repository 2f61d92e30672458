"""One error shape for every refusal, documented where it is answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException

from bundling_shared.auth.fastapi import current_principal
from bundling_shared.auth.principal import Principal
from bundling_shared.errors import Conflict, Forbidden, NotFound
from bundling_shared.http import install_common
from bundling_shared.problems import (
    MEDIA_TYPE,
    ProblemError,
    document_problems,
    install_problem_handlers,
    refuse_unknown_query,
)
from bundling_shared.strict import Day, EurAmount, Quantity, StrictModel


class Order(StrictModel):
    quantity: Quantity
    due: Day
    budget: EurAmount | None = None


REFUSALS = {404: "order 1 is not yours to see", 403: "a desk may not place this order", 409: "placed already"}


def make_app(max_body_bytes: int = 2048) -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_unknown_query)])

    async def ok() -> None:
        return None

    install_common(app, {"noop": ok}, max_body_bytes=max_body_bytes)
    install_problem_handlers(app)

    @app.post("/orders/{order_id}", status_code=201)
    async def place(order_id: str, body: Order, _: Annotated[Principal, Depends(current_principal)]) -> Order:
        if order_id == "missing":
            raise HTTPException(404, detail="no such order")
        if body.quantity == 13:
            raise ProblemError(422, "13 is not delivered", field="body.quantity", rule="unlucky")
        if body.quantity == 666:
            raise RuntimeError("a bug")

        return body

    @app.post("/open")
    async def open_(body: Order) -> Order:
        return body

    @app.get("/refusals/{status}")
    async def refuse(status: int) -> None:
        raise {404: NotFound, 403: Forbidden, 409: Conflict}[status](REFUSALS[status])

    @app.get("/orders")
    async def orders(status: str | None = None) -> list[str]:
        return [status or "all"]

    document_problems(app)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body: dict[str, object] = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= body.keys()
    assert body["status"] == status
    return body


async def test_validation_names_each_field_and_rule(client: httpx.AsyncClient) -> None:
    response = await client.post("/open", json={"quantity": True, "due": "9999-01-01", "quantitiy": 5})
    body = problem(response, 422)
    found = {(e["field"], e["rule"]) for e in body["errors"]}  # type: ignore[attr-defined]
    assert ("body.quantity", "int_type") in found
    assert ("body.due", "value_error") in found
    assert ("body.quantitiy", "extra_forbidden") in found
    assert body["type"] == "validation-error"


async def test_non_finite_and_oversized_numbers_are_refused(client: httpx.AsyncClient) -> None:
    for raw in (
        b'{"quantity": NaN, "due": "2030-01-01"}',
        b'{"quantity": 1e400, "due": "2030-01-01"}',
        b'{"quantity": 1, "due": "2030-01-01", "budget": -Infinity}',
        b'{"quantity": 1000000000000000000000000000000, "due": "2030-01-01"}',
        b'{"quantity": 1, "due": "2030-01-01", "budget": 1e308}',
    ):
        response = await client.post("/open", content=raw, headers={"content-type": "application/json"})
        problem(response, 422)


async def test_http_errors_and_raised_problems_keep_the_shape(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/orders/x", json={"quantity": 1, "due": "2030-01-01"}), 401)
    assert body["type"] == "unauthorized"


@pytest.mark.parametrize("status", [404, 403, 409])
async def test_the_shared_refusals_answer_their_status_with_the_message(client: httpx.AsyncClient, status: int) -> None:
    body = problem(await client.get(f"/refusals/{status}"), status)
    assert body["detail"] == REFUSALS[status]
    assert body["type"] == {404: "not-found", 403: "forbidden", 409: "conflict"}[status]


async def test_an_unexpected_error_is_a_problem_not_a_dropped_connection() -> None:
    app = make_app()
    from bundling_shared.auth.fastapi import current_principal as dependency

    app.dependency_overrides[dependency] = lambda: Principal(subject="a", role="admin")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        body = problem(await c.post("/orders/x", json={"quantity": 666, "due": "2030-01-01"}), 500)
        assert "a bug" not in str(body["detail"])
        named = problem(await c.post("/orders/x", json={"quantity": 13, "due": "2030-01-01"}), 422)
        assert named["errors"] == [{"field": "body.quantity", "rule": "unlucky", "message": "13 is not delivered"}]
        assert problem(await c.post("/orders/missing", json={"quantity": 1, "due": "2030-01-01"}), 404)


async def test_a_body_over_the_limit_is_refused_announced_or_streamed(client: httpx.AsyncClient) -> None:
    big = b'{"quantity": 1, "due": "2030-01-01", "x": "' + b"a" * 5000 + b'"}'
    problem(await client.post("/open", content=big, headers={"content-type": "application/json"}), 413)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 500):
            yield big[start : start + 500]

    streamed = await client.post("/open", content=chunks(), headers={"content-type": "application/json"})
    problem(streamed, 413)
    small = await client.post("/open", json={"quantity": 1, "due": "2030-01-01"})
    assert small.status_code == 200


def test_the_openapi_document_declares_the_problem_for_every_error_status() -> None:
    schema = make_app().openapi()
    assert "Problem" in schema["components"]["schemas"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    place = schema["paths"]["/orders/{order_id}"]["post"]["responses"]
    for status in ("401", "403", "404", "409", "413", "422"):
        ref = place[status]["content"][MEDIA_TYPE]["schema"]["$ref"]
        assert ref == "#/components/schemas/Problem"
    open_ = schema["paths"]["/open"]["post"]["responses"]
    assert "401" not in open_ and "422" in open_


async def test_an_unknown_query_parameter_is_refused_like_an_unknown_field(client: httpx.AsyncClient) -> None:
    assert (await client.get("/orders", params={"status": "open"})).json() == ["open"]
    body = problem(await client.get("/orders", params={"stauts": "open"}), 422)
    assert body["errors"] == [
        {"field": "query.stauts", "rule": "extra_forbidden", "message": "unknown query parameter"}
    ]
    assert (await client.get("/health", params={"probe": "k8s"})).status_code == 200
