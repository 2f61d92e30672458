"""Resolving a webhook URL's host and checking every address it resolves to."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

from notifications.domain.url_safety import (
    CheckedUrl,
    IPAddress,
    UnsafeUrl,
    UrlPolicy,
    check_addresses,
    literal_address,
    parse_target,
)

Resolve = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


class DnsUrlGuard:
    def __init__(self, policy: UrlPolicy, resolve: Resolve = system_resolve) -> None:
        self._policy = policy
        self._resolve = resolve

    @property
    def policy(self) -> UrlPolicy:
        return self._policy

    async def check(self, url: str) -> CheckedUrl:
        target = parse_target(url, self._policy)
        literal = literal_address(target.host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = await self._resolve(target.host, target.port)
            except (OSError, UnicodeError) as exc:
                raise UnsafeUrl(f"host {target.host} cannot be resolved: {exc}") from exc
        return check_addresses(url, target, addresses, self._policy)
