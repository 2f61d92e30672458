"""Sending one signed webhook over HTTP.

The request goes to the very address the URL check passed (the host name still travels in
the Host header and as TLS server name, so certificates are verified as usual): resolving
again at connect time would let a DNS answer changed in between reach a private address.

Connections are kept alive, in a pool per host name: a pool is keyed by address, and two
endpoints on one address must not share a connection whose TLS session was made for the
other's name. Reusing connections is most of what makes a thousand deliveries a second
possible; a new DNS answer gives a new address and so a new connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from notifications.adapters.signing import signature_headers
from notifications.domain.model import MAX_RESPONSE_BODY_BYTES, AttemptResult, DeliveryJob
from notifications.domain.url_safety import CheckedUrl, UnsafeUrl, literal_address
from notifications.service_layer.unit_of_work import UrlGuard

USER_AGENT = "bundling-notifications/1.0 (Standard Webhooks)"


def make_http_client(
    timeout_seconds: float,
    max_connections: int,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> httpx.AsyncClient:
    """`wrap` lets tests put a guard around the real transport (loopback only)."""
    # httpx logs every request at INFO; the dispatcher's webhook.attempt line says more
    # (delivery, attempt, outcome) and one line per attempt is enough at a thousand a second.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    transport: httpx.AsyncBaseTransport = PoolPerHostName(max_connections)
    return httpx.AsyncClient(
        timeout=timeout_seconds,
        follow_redirects=False,
        trust_env=False,  # no proxy or netrc from the environment: we choose where requests go
        transport=wrap(transport) if wrap else transport,
        headers={"user-agent": USER_AGENT},
    )


class PoolPerHostName(httpx.AsyncBaseTransport):
    """One connection pool per (scheme, host name, port), the least recently used closed
    when there are too many."""

    def __init__(self, max_connections: int, max_pools: int = 512, keepalive_seconds: float = 30.0) -> None:
        self._max_connections = max_connections
        self._max_pools = max_pools
        self._keepalive = keepalive_seconds
        self._pools: OrderedDict[tuple[str, str, int | None], httpx.AsyncHTTPTransport] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()
        # One TLS context for all pools: loading the CA certificates takes tens of ms.
        self._tls = httpx.create_ssl_context(trust_env=False)

    def _pool(self, request: httpx.Request) -> httpx.AsyncHTTPTransport:
        key = (request.url.scheme, request.headers.get("host", request.url.host), request.url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(
                    max_connections=self._max_connections,
                    max_keepalive_connections=8,
                    keepalive_expiry=self._keepalive,
                ),
                verify=self._tls,
                trust_env=False,
            )
            while len(self._pools) > self._max_pools:
                _, evicted = self._pools.popitem(last=False)
                task = asyncio.get_running_loop().create_task(evicted.aclose())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        else:
            self._pools.move_to_end(key)
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        await asyncio.gather(*(p.aclose() for p in pools), *self._closing, return_exceptions=True)


class HttpWebhookSender:
    def __init__(self, client: httpx.AsyncClient, guard: UrlGuard, timeout_seconds: float = 15.0) -> None:
        self._client = client
        self._guard = guard
        self._timeout = timeout_seconds

    async def send(self, job: DeliveryJob, at: datetime) -> AttemptResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            async with asyncio.timeout(self._timeout):
                checked = await self._guard.check(job.url)
                headers = signature_headers(job.message_id, job.body, job.secrets, at)
                return await self._post(checked, job.body, headers, elapsed)
        except UnsafeUrl as exc:
            return AttemptResult(status_code=None, latency_ms=elapsed(), error=f"refused: {exc}")
        except TimeoutError:
            return AttemptResult(status_code=None, latency_ms=elapsed(), error=f"timed out after {self._timeout:g} s")
        except httpx.HTTPError as exc:
            return AttemptResult(status_code=None, latency_ms=elapsed(), error=f"{type(exc).__name__}: {exc}")

    async def _post(
        self, checked: CheckedUrl, body: str, headers: dict[str, str], elapsed: Callable[[], int]
    ) -> AttemptResult:
        url = httpx.URL(checked.url)
        extensions: dict[str, Any] = {}
        if url.scheme == "https" and literal_address(checked.target.host) is None:
            extensions["sni_hostname"] = url.raw_host.decode("ascii")
        request_headers = {**headers, "host": url.netloc.decode("ascii")}
        last: httpx.ConnectError | None = None
        for address in checked.addresses:
            try:
                async with self._client.stream(
                    "POST",
                    url.copy_with(host=str(address)),
                    content=body.encode("utf-8"),
                    headers=request_headers,
                    extensions=extensions,
                ) as response:
                    received = bytearray()
                    async for chunk in response.aiter_bytes():
                        received += chunk
                        if len(received) >= MAX_RESPONSE_BODY_BYTES:
                            break
                    return AttemptResult(
                        status_code=response.status_code,
                        latency_ms=elapsed(),
                        response_body=bytes(received[:MAX_RESPONSE_BODY_BYTES]).decode("utf-8", errors="replace"),
                        retry_after=response.headers.get("retry-after"),
                    )
            except httpx.ConnectError as exc:  # try the host's next checked address
                last = exc
        raise last or UnsafeUrl(f"host {checked.target.host} has no address to connect to")
