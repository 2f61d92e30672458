"""Sending one signed webhook over HTTP.

The request goes to the very address the URL check passed (the host name still travels in
the Host header and as TLS server name, so certificates are verified as usual): resolving
again at connect time would let a DNS answer changed in between reach a private address.

Requests go straight to the transport, not through an `httpx.AsyncClient`: a webhook needs
none of a client's redirects, cookies, proxies or environment, and leaving them out is both
the safe choice and a fifth less work per request.

Connections are kept alive, in a pool per host name: a pool is keyed by address, and two
endpoints on one address must not share a connection whose TLS session was made for the
other's name. Reusing connections is most of what makes a thousand deliveries a second
possible; a new DNS answer gives a new address and so a new connection.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpcore
import httpx
from opentelemetry.trace import SpanKind, StatusCode

from bundling_shared.observability import tracing
from notifications.adapters.asyncio_network import AsyncioNetworkBackend
from notifications.adapters.signing import signature_headers
from notifications.domain.delivery import MAX_RESPONSE_BODY_BYTES, AttemptResult, DeliveryJob
from notifications.domain.url_safety import CheckedUrl, UnsafeUrl, literal_address
from notifications.service_layer.unit_of_work import UrlGuard

USER_AGENT = "bundling-notifications/1.0 (Standard Webhooks)"
KEEPALIVE_PER_HOST = 8


def make_webhook_transport(
    max_connections: int,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
    tls: ssl.SSLContext | None = None,
) -> httpx.AsyncBaseTransport:
    """`wrap` lets tests put a guard around the real transport (loopback only); `tls`
    replaces the system's certificate authorities (tests with their own)."""
    # httpx logs every request at INFO; the dispatcher's webhook.attempt line says more
    # (delivery, attempt, outcome) and one line per attempt is enough at a thousand a second.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    transport: httpx.AsyncBaseTransport = PoolPerHostName(max_connections, tls=tls)
    return wrap(transport) if wrap else transport


class HostPool(httpx.AsyncHTTPTransport):
    """httpx's transport on httpcore's pool, with the pool's sockets on asyncio itself."""

    def __init__(self, tls: ssl.SSLContext, max_connections: int, keepalive_seconds: float) -> None:
        super().__init__(verify=tls, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls,
            max_connections=max_connections,
            max_keepalive_connections=KEEPALIVE_PER_HOST,
            keepalive_expiry=keepalive_seconds,
            network_backend=AsyncioNetworkBackend(),
        )


class PoolPerHostName(httpx.AsyncBaseTransport):
    """One connection pool per (scheme, host name, port), the least recently used closed
    when there are too many."""

    def __init__(
        self,
        max_connections: int,
        max_pools: int = 512,
        keepalive_seconds: float = 30.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._max_connections = max_connections
        self._max_pools = max_pools
        self._keepalive = keepalive_seconds
        self._pools: OrderedDict[tuple[str, str, int | None], httpx.AsyncHTTPTransport] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()
        # One TLS context for all pools: loading the CA certificates takes tens of ms.
        self._tls = tls or httpx.create_ssl_context(trust_env=False)

    def _pool(self, request: httpx.Request) -> httpx.AsyncHTTPTransport:
        key = (request.url.scheme, request.headers.get("host", request.url.host), request.url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = HostPool(self._tls, self._max_connections, self._keepalive)
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
    def __init__(self, transport: httpx.AsyncBaseTransport, guard: UrlGuard, timeout_seconds: float = 15.0) -> None:
        self._transport = transport
        self._guard = guard
        self._timeout = timeout_seconds
        self._timeouts = {"connect": timeout_seconds, "read": timeout_seconds, "write": timeout_seconds, "pool": None}

    async def send(self, job: DeliveryJob, at: datetime) -> AttemptResult:
        """With tracing on, the attempt is a span in the trace of the message's source."""
        if not tracing.enabled():
            return await self._attempt(job, at)
        attributes = {"webhook.endpoint_id": job.endpoint_id, "webhook.attempt": job.attempt_number}
        with tracing.span("webhook attempt", parent=job.trace_parent, kind=SpanKind.CLIENT, **attributes) as span:
            result = await self._attempt(job, at)
            if span is not None:
                span.set_attribute("http.response.status_code", result.status_code or 0)
                if result.error:
                    span.set_status(StatusCode.ERROR, result.error[:200])
            return result

    async def _attempt(self, job: DeliveryJob, at: datetime) -> AttemptResult:
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
        host, tls_name = _host_and_tls_name(checked.url, checked.target.host)
        extensions: dict[str, Any] = {"timeout": self._timeouts}
        if tls_name is not None:
            extensions["sni_hostname"] = tls_name
        request_headers = {**headers, "host": host, "user-agent": USER_AGENT}
        content = body.encode("utf-8")
        last: httpx.ConnectError | None = None
        for address in checked.addresses:
            target = _at_address(checked.url, str(address))
            request = httpx.Request("POST", target, content=content, headers=request_headers, extensions=extensions)
            try:
                response = await self._transport.handle_async_request(request)
            except httpx.ConnectError as exc:  # try the host's next checked address
                last = exc
                continue
            try:
                received = bytearray()
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) >= MAX_RESPONSE_BODY_BYTES:
                        break
            finally:
                await response.aclose()
            return AttemptResult(
                status_code=response.status_code,
                latency_ms=elapsed(),
                response_body=bytes(received[:MAX_RESPONSE_BODY_BYTES]).decode("utf-8", errors="replace"),
                retry_after=response.headers.get("retry-after"),
            )
        raise last or UnsafeUrl(f"host {checked.target.host} has no address to connect to")


# An endpoint's URL is parsed again for every webhook otherwise: parsed URLs are immutable,
# so the few hundred in use are kept.
@functools.lru_cache(maxsize=4096)
def _host_and_tls_name(url: str, host: str) -> tuple[str, str | None]:
    """The Host header, and the name TLS verifies the certificate for (none for an address)."""
    parsed = httpx.URL(url)
    tls_name = parsed.raw_host.decode("ascii") if parsed.scheme == "https" and literal_address(host) is None else None
    return parsed.netloc.decode("ascii"), tls_name


@functools.lru_cache(maxsize=4096)
def _at_address(url: str, address: str) -> httpx.URL:
    """The URL with its host replaced by the checked address, which is where it connects."""
    return httpx.URL(url).copy_with(host=address)
