"""Every dependency of every route runs on the event loop: FastAPI hands a plain function
to a worker thread and waits for it, a round trip through the thread pool that cost a page
of frameworks a tenth of its time for building a pair of numbers."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from console.entrypoints.app import create_app as console_app
from contracts.entrypoints.app import create_app as contracts_app
from demand.entrypoints.app import create_app as demand_app
from notifications.entrypoints.app import create_app as notifications_app

SERVICES: dict[str, Callable[[], FastAPI]] = {
    "demand": demand_app,
    "contracts": contracts_app,
    "notifications": notifications_app,
    "console": console_app,
}


def api_routes(routes: Any) -> Iterator[APIRoute]:
    """The routes of a router, those of the routers it includes among them."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        for inner in (getattr(route, "routes", None), getattr(getattr(route, "original_router", None), "routes", None)):
            if inner:
                yield from api_routes(inner)


def on_the_loop(call: Any) -> bool:
    """Awaited by FastAPI on the loop: a coroutine or async generator function, or an
    object whose `__call__` is one."""
    for candidate in (call, getattr(call, "__call__", None)):  # noqa: B004
        if inspect.iscoroutinefunction(candidate) or inspect.isasyncgenfunction(candidate):
            return True
    return False


def sent_to_threads(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        if sub.call is not None and not on_the_loop(sub.call):
            yield getattr(sub.call, "__qualname__", repr(sub.call))
        yield from sent_to_threads(sub)


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_waits_on_a_worker_thread(service: str) -> None:
    routes = list(api_routes(SERVICES[service]().router.routes))
    assert len(routes) > 10  # the service's own routes were found, not only its health checks
    threaded = {
        f"{route.methods} {route.path}: {name}"
        for route in routes
        for name in [*sent_to_threads(route.dependant), *([] if on_the_loop(route.endpoint) else ["the route"])]
    }
    assert not threaded, sorted(threaded)
