"""HTTP requests counted and timed by route template, never by raw path: a path holds
ids, and a label per id would grow without bound. A path no route matches (a scanner's
guesses) is counted as `unmatched`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bundling_shared.observability.metrics import ServiceMetrics

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def templates(routes: Sequence[BaseRoute]) -> dict[int, str]:
    """The full path template of every route, by the route the router hands a request
    to: a route of an included router knows only its own part of the path."""
    return {
        id(context.original_route): context.path_format
        for context in iter_route_contexts(routes)
        if context.path_format is not None
    }


def route_of(scope: Scope, known: Mapping[int, str]) -> str:
    route = scope.get("route")
    if not isinstance(route, BaseRoute):
        return UNMATCHED
    path = known.get(id(route), getattr(route, "path", None))
    return path if isinstance(path, str) else UNMATCHED


class HttpMetricsMiddleware:
    """Outermost of the service's own middlewares, so a body refused for its size (413)
    is counted too; an error that escapes every handler is counted as the 500 it becomes."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self._templates: dict[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            if self._templates is None:
                self._templates = templates(scope["app"].routes)
            route, service = route_of(scope, self._templates), self.metrics.service
            self.metrics.http_requests.labels(service, method, route, str(status)).inc()
            self.metrics.http_duration.labels(service, method, route).observe(time.perf_counter() - started)
