"""Every answer of every GET route of the three OpenAPI documents has a size that does not
grow with the data: a list is a page whose `limit` has a largest value (at most 500), and
everything else an answer holds is bounded in the document itself (a list's `maxItems`, a
map's `maxProperties`), down to the last nested list. A route that answers a list without
bounds, or an object with a list that grows with it, fails here before it reaches
production data.

The documents are read from the apps as they are built, without a database or a broker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

from bundling_shared.pagination import Page
from contracts.entrypoints.app import create_app as contracts_app
from demand.entrypoints.app import create_app as demand_app
from notifications.entrypoints.app import create_app as notifications_app

MAX_PAGE = 500
PROBES = {"/health", "/ready", "/metrics"}
"""They name the service's dependencies, fixed when it starts: no list; the metrics are text."""
OPAQUE = {
    ("contracts", "/v1/procurements/{procurement_id}/ocds"),
    ("contracts", "/v1/frameworks/{framework_id}/ocds"),
    ("contracts", "/v1/frameworks/{framework_id}/call-offs/{call_off_id}/ocds"),
}
"""OCDS release packages, as the standard shapes them, which no document here restates: a
page of releases (a bounded `limit`), each release bounded by `contracts.domain.ocds`
(`MAX_MILESTONES`, `MAX_TENDERERS`; `tests/contracts/integration/test_ocds_export.py`)."""

APPS: dict[str, Callable[[], FastAPI]] = {
    "demand": demand_app,
    "contracts": contracts_app,
    "notifications": notifications_app,
}


def _bounded(schema: dict[str, Any], key: str) -> bool:
    return key in schema and int(schema[key]) <= MAX_PAGE


class _Reader:
    """Walks one answer's schema and notes every part whose size the document leaves open."""

    def __init__(self, components: dict[str, Any], where: str, paged: bool) -> None:
        self.components, self.where, self.paged = components, where, paged
        self.found: list[str] = []

    def read(self, schema: dict[str, Any], at: str, page: bool, seen: frozenset[str] = frozenset()) -> None:
        """`page`: the answer itself or one of its fields, where a list is the page the
        route's `limit` bounds."""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                self.read(self.components[name], at, page, seen | {name})
            return
        for variant in [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]:
            self.read(variant, at, page, seen)
        kind = schema.get("type")
        if kind == "array":
            if not (_bounded(schema, "maxItems") or (page and self.paged)):
                self.found.append(f"{self.where} {at}: a list without a largest size")
            self.read(schema.get("items", {}), f"{at}[]", False, seen)
        elif kind == "object":
            properties = schema.get("properties", {})
            extra = schema.get("additionalProperties", not properties and not schema.get("patternProperties"))
            if isinstance(extra, dict):
                if not _bounded(schema, "maxProperties"):
                    self.found.append(f"{self.where} {at}: a map without a largest size")
                self.read(extra, f"{at}{{}}", False, seen)
            elif extra is True and not properties:
                self.found.append(f"{self.where} {at}: an object of any shape, its size unknown")
            for name, sub in properties.items():
                self.read(sub, f"{at}.{name}", page and at == "answer", seen)


def unbounded_answers(service: str, document: dict[str, Any]) -> list[str]:
    """Every part of a GET route's answer whose size grows without bound, as the document says it."""
    components = document.get("components", {}).get("schemas", {})
    found: list[str] = []
    for path, item in document.get("paths", {}).items():
        operation = item.get("get")
        if operation is None or path in PROBES or (service, path) in OPAQUE:
            continue
        answer = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        limits = [p for p in operation.get("parameters", []) if p["in"] == "query" and p["name"] == "limit"]
        paged = bool(limits) and _bounded(limits[0].get("schema", {}), "maximum")
        reader = _Reader(components, f"{service} GET {path}", paged)
        reader.read(answer.get("schema", {}), "answer", True)
        found += reader.found
    return found


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {service: app().openapi() for service, app in APPS.items()}


@pytest.mark.parametrize("service", APPS)
def test_every_list_is_a_page_of_at_most_500_and_every_object_answers_in_a_bounded_size(
    documents: dict[str, dict[str, Any]], service: str
) -> None:
    found = unbounded_answers(service, documents[service])
    assert not found, f"{len(found)} answers grow with the data:\n" + "\n".join(found)


def test_each_answer_taken_as_it_is_is_a_page_of_releases(documents: dict[str, dict[str, Any]]) -> None:
    """What is read unchecked stays a page: a bounded `limit`, and a route that still exists."""
    for service, path in OPAQUE:
        operation = documents[service]["paths"][path]["get"]
        (limit,) = [p for p in operation["parameters"] if p["name"] == "limit"]
        assert _bounded(limit["schema"], "maximum"), path


class _Line(BaseModel):
    nation: str


class _Bounded(BaseModel):
    lines: list[_Line] = Field(max_length=64)
    shares: dict[str, int] = Field(max_length=64)


class _Growing(BaseModel):
    lines: list[_Line]


def test_an_unbounded_list_a_growing_object_and_a_page_without_a_largest_limit_are_found() -> None:
    app = FastAPI()

    @app.get("/everything")
    async def everything() -> list[_Line]:
        return []

    @app.get("/page")
    async def page(limit: int = Query(ge=1)) -> Page[_Bounded]:
        return Page(items=[], limit=limit, offset=0)

    @app.get("/growing")
    async def growing() -> _Growing:
        return _Growing(lines=[])

    @app.get("/map")
    async def a_map() -> dict[str, int]:
        return {}

    @app.get("/bounded")
    async def bounded(limit: int = Query(ge=1, le=MAX_PAGE)) -> Page[_Bounded]:
        return Page(items=[], limit=limit, offset=0)

    found = unbounded_answers("test", app.openapi())
    assert found == [
        "test GET /everything answer: a list without a largest size",
        "test GET /page answer.items: a list without a largest size",
        "test GET /growing answer.lines: a list without a largest size",
        "test GET /map answer: a map without a largest size",
    ]
