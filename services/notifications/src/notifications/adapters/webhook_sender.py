"""Sending one signed webhook over HTTP.

The request goes to the very address the URL check passed (the host name still travels in
the Host header and as TLS server name, so certificates are verified as usual): resolving
again at connect time would let a DNS answer changed in between reach a private address.
Connections are not kept alive, because the pool is keyed by address and two endpoints on
one address must not share a TLS session made for the other's name.
"""

from __future__ import annotations

import asyncio
import time
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
    transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=0),
        trust_env=False,
    )
    return httpx.AsyncClient(
        timeout=timeout_seconds,
        follow_redirects=False,
        trust_env=False,  # no proxy or netrc from the environment: we choose where requests go
        transport=wrap(transport) if wrap else transport,
        headers={"user-agent": USER_AGENT},
    )


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
