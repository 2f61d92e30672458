"""Every route of the three services against every relation a caller can have to its
object, on the services running as separate processes: the answer each gets is the one
the matrix (``tests.edge.matrix``) writes down."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.edge.matrix import EXPECTED, RELATIONS, expected, matches
from tests.edge.requests import FRESH, ONCE, REQUESTS, Route
from tests.edge.world import World, seed
from tests.support.processes import ServiceProcess
from tests.support.receiver import webhook_receiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="package")
def world(services: dict[str, ServiceProcess]) -> Iterator[World]:
    with webhook_receiver() as receiver:
        yield seed(services, receiver.url("/hooks/edge"))


def documented_routes(world: World) -> list[Route]:
    routes = []
    for service, url in world.urls.items():
        document = httpx.get(f"{url}/openapi.json", timeout=30).json()
        for path, item in document["paths"].items():
            routes += [(service, method.upper(), path) for method in item if method in METHODS]
    return routes


METHODS = {"get", "post", "put", "patch", "delete"}


def request_of(route: Route, relation: str, world: World) -> tuple[str, Any]:
    """The URL and body an allowed caller would send."""
    service, _, path = route
    ids, body = REQUESTS.get(route, ({}, None))
    if route in FRESH and _allowed(route, relation):
        ids = {name: "=" + value for name, value in FRESH[route](world).items()}
    for name, key in ids.items():
        value = key[1:] if key.startswith("=") else world.ids[key]
        path = path.replace("{" + name + "}", value)
    return world.urls[service] + path, body(relation, world) if body else None


def _allowed(route: Route, relation: str) -> bool:
    return expected(route)[relation].startswith("2")


def test_every_documented_route_has_a_row_and_every_row_a_route(world: World) -> None:
    documented = set(documented_routes(world))
    missing = sorted(documented - set(EXPECTED))
    stale = sorted(set(EXPECTED) - documented)
    assert not missing, "routes without a row in tests/edge/matrix.py:\n" + "\n".join(map(str, missing))
    assert not stale, "rows of routes no OpenAPI document has:\n" + "\n".join(map(str, stale))


def test_each_relation_gets_the_answer_the_matrix_writes_down(world: World) -> None:
    started = time.monotonic()
    wrong: list[str] = []
    cells = 0
    with httpx.Client(timeout=30) as client:
        documented = set(documented_routes(world))
        wrong += [f"{route}: no row" for route in sorted(documented - set(EXPECTED))]
        # In the table's order: acts that change what later rows rely on come after them.
        for route in [r for r in EXPECTED if r in documented]:
            row = expected(route)
            # Refusals first, on the object as seeded; then the callers who may act.
            order = sorted(RELATIONS, key=lambda r: row[r].startswith("2"))
            acted = False
            for relation in order:
                url, body = request_of(route, relation, world)
                response = client.request(route[1], url, headers=world.headers[relation], json=body)
                cells += 1
                answer = row[relation]
                ok = matches(answer, response.status_code)
                if not ok and acted and route in ONCE and response.status_code == 409:
                    ok = True  # an earlier allowed caller already did it
                acted = acted or response.is_success
                if not ok:
                    wrong.append(
                        f"{route[0]} {route[1]} {route[2]} as {relation}: expected {answer}, "
                        f"got {response.status_code} {response.text[:160]}"
                    )
    print(f"\nroute matrix: {cells} cells ({cells // len(RELATIONS)} routes x {len(RELATIONS)} relations) "
          f"in {time.monotonic() - started:.1f}s, {len(wrong)} wrong")  # fmt: skip
    assert not wrong, f"{len(wrong)} of {cells} cells answer otherwise than the matrix:\n" + "\n".join(wrong)
