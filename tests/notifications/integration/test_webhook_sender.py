"""The HTTP sender on its own, against real sockets on loopback: HTTPS to the checked
address with the endpoint's name for SNI and certificate checks, connections kept alive
over TLS, and the failures an attempt log must show (untrusted certificate, timeout,
a server that closes idle connections)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import trustme
from standardwebhooks.webhooks import Webhook

from notifications.adapters.asyncio_network import READ_AHEAD_AT_MOST, AsyncioNetworkBackend, AsyncioStream
from notifications.adapters.url_guard import DnsUrlGuard
from notifications.adapters.webhook_sender import HttpWebhookSender, make_webhook_transport
from notifications.domain.delivery import DeliveryJob
from notifications.domain.endpoint import new_secret
from notifications.domain.url_safety import UrlPolicy
from tests.notifications.conftest import fake_dns

SECRET = new_secret()


@dataclass
class TlsReceiver:
    """HTTPS on 127.0.0.1 with a certificate for `name`; records the server names asked
    for (SNI), the requests, and how many connections carried them."""

    server_names: list[str | None] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    connections: int = 0
    hang: bool = False
    close_after_answer: bool = False  # without saying so: as an idle timeout does
    port: int = 0


@contextlib.asynccontextmanager
async def tls_receiver(ca: trustme.CA, name: str) -> AsyncIterator[TlsReceiver]:
    state = TlsReceiver()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)

    def sni(_: ssl.SSLObject, server_name: str | None, __: ssl.SSLContext) -> None:
        state.server_names.append(server_name)

    context.sni_callback = sni

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            while request_line := await reader.readline():
                assert request_line.startswith(b"POST /hooks ")
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    key, value = line.decode("latin-1").split(":", 1)
                    headers[key.strip().lower()] = value.strip()
                state.requests.append((headers, await reader.readexactly(int(headers["content-length"]))))
                if state.hang:
                    await asyncio.sleep(30)
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
                if state.close_after_answer:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@contextlib.asynccontextmanager
async def sender(ca: trustme.CA, timeout: float = 5.0) -> AsyncIterator[HttpWebhookSender]:
    """Trusts the given certificate authority only; hooks.test resolves to loopback."""
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    guard = DnsUrlGuard(UrlPolicy.of(allowed=["127.0.0.1"]), fake_dns({"hooks.test": ["127.0.0.1"]}))
    transport = make_webhook_transport(10, tls=trust)
    try:
        yield HttpWebhookSender(transport, guard, timeout)
    finally:
        await transport.aclose()


def job(port: int, n: int = 0) -> DeliveryJob:
    return DeliveryJob(
        delivery_id=f"dlv_{n}",
        message_id=f"msg_{n}",
        endpoint_id="ep_1",
        url=f"https://hooks.test:{port}/hooks",
        secrets=(SECRET,),
        body='{"type":"contract.created","data":{"contract_id":"contract-155mm"}}',
        attempt_number=1,
    )


async def test_https_goes_to_the_checked_address_with_the_endpoints_name_for_tls(ca: trustme.CA) -> None:
    async with sender(ca) as webhooks, tls_receiver(ca, "hooks.test") as receiver:
        results = [await webhooks.send(job(receiver.port, n), datetime.now(UTC)) for n in range(3)]
    assert [r.status_code for r in results] == [204, 204, 204], [r.error for r in results]
    assert receiver.server_names == ["hooks.test"], "one TLS handshake, for the endpoint's name"
    assert receiver.connections == 1, "the TLS connection is kept alive and reused"
    headers, body = receiver.requests[0]
    assert headers["host"] == f"hooks.test:{receiver.port}"
    assert Webhook(SECRET).verify(body, headers)["data"]["contract_id"] == "contract-155mm"


async def test_a_certificate_for_another_name_fails_the_attempt(ca: trustme.CA) -> None:
    async with sender(ca) as webhooks, tls_receiver(ca, "elsewhere.test") as receiver:
        result = await webhooks.send(job(receiver.port), datetime.now(UTC))
    assert result.status_code is None
    assert result.error is not None and "ConnectError" in result.error and "hooks.test" in result.error
    assert receiver.requests == [], "nothing is sent before the certificate is accepted"


async def test_a_certificate_from_an_unknown_authority_fails_the_attempt(ca: trustme.CA) -> None:
    # The sender trusts another authority than the receiver's.
    async with sender(trustme.CA()) as webhooks, tls_receiver(ca, "hooks.test") as receiver:
        result = await webhooks.send(job(receiver.port), datetime.now(UTC))
    assert result.status_code is None
    assert result.error is not None and "CERTIFICATE_VERIFY_FAILED" in result.error


async def test_an_answer_that_never_comes_times_out(ca: trustme.CA) -> None:
    async with sender(ca, timeout=0.3) as webhooks, tls_receiver(ca, "hooks.test") as receiver:
        receiver.hang = True
        result = await webhooks.send(job(receiver.port), datetime.now(UTC))
    assert result.status_code is None
    assert result.error == "timed out after 0.3 s"
    assert len(receiver.requests) == 1


async def test_a_kept_alive_connection_the_server_closed_since_is_not_reused(ca: trustme.CA) -> None:
    async with sender(ca) as webhooks, tls_receiver(ca, "hooks.test") as receiver:
        receiver.close_after_answer = True
        results = []
        for n in range(3):
            results.append(await webhooks.send(job(receiver.port, n), datetime.now(UTC)))
            await asyncio.sleep(0.05)  # the server's close arrives while the connection is idle
    assert [r.status_code for r in results] == [204, 204, 204], [r.error for r in results]
    assert receiver.connections == 3


async def test_an_endpoint_that_keeps_sending_is_read_no_further_ahead_than_the_limit() -> None:
    sent = 8 * 1024 * 1024

    async def flood(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"x" * sent)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(flood, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        stream = await AsyncioNetworkBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert isinstance(stream, AsyncioStream)
        await asyncio.sleep(0.3)  # what the dispatcher's memory would take in, unread
        held = len(stream._connection.received)
        assert 0 < held <= 2 * READ_AHEAD_AT_MOST, f"{held} bytes read ahead"
        total = 0
        while chunk := await stream.read(64 * 1024, timeout=5):  # reading goes on to the end
            total += len(chunk)
        await stream.aclose()
    assert total == sent
