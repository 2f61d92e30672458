"""A real HTTP webhook receiver on loopback that records every request it gets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.requests) < count:
            time.sleep(0.1)
        return list(self.requests)


@contextmanager
def webhook_receiver(start_timeout: float = 10) -> Iterator[Receiver]:
    """The socket is bound here, before the server starts, so no other process can take
    the port between picking and binding it; the server only listens on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
    except BaseException:
        sock.close()
        raise
    receiver = Receiver(port=sock.getsockname()[1])

    async def hook(request: Request) -> Response:
        receiver.requests.append(Received(request.url.path, dict(request.headers), await request.body()))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit too: uvicorn exits on a failed startup
            failure.append(exc)

    thread = threading.Thread(target=serve, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the webhook receiver stopped before it started: {failure or 'no error'}")
            if time.monotonic() >= deadline:
                raise RuntimeError(f"the webhook receiver did not start within {start_timeout}s")
            time.sleep(0.05)
        yield receiver
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
