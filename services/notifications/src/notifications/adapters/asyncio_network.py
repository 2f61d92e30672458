"""httpcore's sockets on asyncio's own transports.

httpcore reaches the network through a pluggable backend; its default goes through anyio,
which wraps every read and write in a cancel scope and a checkpoint. At a thousand
webhooks a second that wrapping costs more than the HTTP/1.1 exchange itself, so the
dispatcher's connections use this backend: a protocol that buffers what arrives and
futures that wake the one reader or writer waiting on it. TLS is asyncio's `start_tls`
on the same connection; timeouts are asyncio's.

httpcore writes a request's head and body separately; small writes are held until the
stream is read (an HTTP/1.1 client writes the whole request, then reads the answer), so
a webhook leaves in one packet and one system call instead of two.

What arrives is buffered up to READ_AHEAD_AT_MOST; beyond it the connection stops reading
until the stream has taken some, so an endpoint that keeps sending (into a kept-alive idle
connection, or an answer larger than is ever read) cannot grow the dispatcher's memory.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any, cast

import httpcore


class _Connection(asyncio.Protocol):
    """What arrived and what happened to one connection, for the stream reading it."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.closed = False  # end of data from the peer, or the connection lost
        self.error: Exception | None = None
        self.writing_paused = False
        self.reading_paused = False
        self.transport: asyncio.Transport | None = None  # the TLS one once TLS has started
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > READ_AHEAD_AT_MOST and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def take(self, max_bytes: int) -> bytes:
        """At most `max_bytes` of what arrived, reading again once there is room."""
        data = bytes(self.received[:max_bytes])
        del self.received[:max_bytes]
        if self.reading_paused and len(self.received) <= READ_AHEAD_AT_MOST and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return data

    def eof_received(self) -> bool | None:
        self.closed = True
        self._wake_reader()
        return None  # close our side too: HTTP/1.1 has nothing to send after the peer's end

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed, self.error = True, exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_writer()

    def readable(self) -> asyncio.Future[None]:
        self._readable = asyncio.get_running_loop().create_future()
        return self._readable

    def writable(self) -> asyncio.Future[None]:
        self._writable = asyncio.get_running_loop().create_future()
        return self._writable

    def _wake_reader(self) -> None:
        if self._readable is not None and not self._readable.done():
            self._readable.set_result(None)

    def _wake_writer(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)


HOLD_AT_MOST = 64 * 1024  # bytes of small writes held back before they are sent anyway
READ_AHEAD_AT_MOST = 256 * 1024  # bytes received and not yet read before reading pauses


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection
        self._held = bytearray()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        if self._held:
            await self._send_held(timeout)
        if not connection.received and not connection.closed:
            try:
                async with asyncio.timeout(timeout):
                    await connection.readable()
            except TimeoutError as exc:
                raise httpcore.ReadTimeout(f"no data for {timeout} s") from exc
        if connection.received:
            return connection.take(max_bytes)
        if connection.error is not None:
            raise httpcore.ReadError(str(connection.error)) from connection.error
        return b""  # the peer closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if self._connection.closed or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._held += buffer
        if len(self._held) >= HOLD_AT_MOST:
            await self._send_held(timeout)

    async def _send_held(self, timeout: float | None) -> None:
        if self._connection.closed or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(bytes(self._held))
        self._held.clear()
        if self._connection.writing_paused:  # the kernel's buffer is full: wait for room
            try:
                async with asyncio.timeout(timeout):
                    await self._connection.writable()
            except TimeoutError as exc:
                raise httpcore.WriteTimeout(f"could not write for {timeout} s") from exc
            if self._connection.error is not None:
                raise httpcore.WriteError(str(self._connection.error)) from self._connection.error

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        if self._held:  # nothing is written before a handshake, but should it be, it goes first
            await self._send_held(timeout)
        try:
            async with asyncio.timeout(timeout):
                tls = await loop.start_tls(
                    self._transport, self._connection, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"TLS handshake took over {timeout} s") from exc
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        if tls is None:  # the connection went away during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._connection.transport = tls
        return AsyncioStream(tls, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle kept-alive connection with data or an end is unusable
            return bool(self._connection.received) or self._connection.closed
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}
        return self._transport.get_extra_info(names[info]) if info in names else None


class AsyncioNetworkBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_connection(
                    _Connection, host, port, local_addr=(local_address, 0) if local_address else None
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} within {timeout} s") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, connection)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
