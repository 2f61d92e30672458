"""Which webhook URLs the platform may call.

Anyone with an industry token chooses where our servers send requests. Without a check,
that is a way into the platform's own network (server-side request forgery): loopback
admin ports, cloud metadata at 169.254.169.254, the database next door. So a URL must be
https, and every address its host resolves to must be public, unless an operator
allow-listed the host or the address for development. The rules here are pure; the
resolving happens in an adapter, which also connects to exactly the address checked here,
so a DNS answer that changes between check and connect (rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from notifications.domain.errors import InvalidEndpoint

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"https": 443, "http": 80}
# NAT64 (RFC 6052): a gateway turns 64:ff9b::a.b.c.d into a connection to a.b.c.d.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Ranges the standard library's flags miss or name vaguely, with the name an operator
# will recognise in the refusal.
NAMED_RANGES: tuple[tuple[IPNetwork, str], ...] = (
    (ipaddress.IPv4Network("100.64.0.0/10"), "a carrier-grade NAT address"),
    (ipaddress.IPv4Network("192.0.0.0/24"), "an IETF protocol assignment address"),
    (ipaddress.IPv6Network("fec0::/10"), "a site-local address"),
)

# The standard library's flags with the name a refusal gives, most telling first: a
# loopback address is private too, and is refused as loopback.
FLAGGED_KINDS: tuple[tuple[str, str], ...] = (
    ("is_loopback", "a loopback address"),
    ("is_unspecified", "the unspecified address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
    ("is_private", "a private address"),
)


class UnsafeUrl(InvalidEndpoint):
    """The URL may not be called; the message says why, for the 422 and the attempt log."""


def url_flaw(url: str) -> str | None:
    """Why a URL cannot be an endpoint's, before it is parsed: a control character or a
    space. A parser drops some of them (tab, newline) and keeps others (NUL), so the URL
    checked would not be the URL stored, and a NUL cannot even be stored in PostgreSQL."""
    for ch in url:
        if unicodedata.category(ch) == "Cc":
            return f"the URL holds the control character U+{ord(ch):04X}"
        if ch.isspace():
            return f"the URL holds a space (U+{ord(ch):04X}); encode it as %20"
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


@dataclass(frozen=True)
class CheckedUrl:
    """A URL that passed, with the addresses that passed: the only ones to connect to."""

    url: str
    target: Target
    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True)
class UrlPolicy:
    allow_http: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, *, allow_http: bool = False, allowed: Iterable[str] = ()) -> UrlPolicy:
        """`allowed` holds host names, IP addresses or networks (``10.1.0.0/16``)."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (e.strip().lower().rstrip(".") for e in allowed):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry)
        return cls(allow_http=allow_http, allowed_hosts=frozenset(hosts), allowed_networks=tuple(networks))

    @classmethod
    def from_setting(cls, *, allow_http: bool, allowed_hosts: str) -> UrlPolicy:
        return cls.of(allow_http=allow_http, allowed=allowed_hosts.split(","))

    def allows_host(self, host: str) -> bool:
        return host in self.allowed_hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address.version == n.version and address in n for n in self.allowed_networks)


def parse_target(url: str, policy: UrlPolicy) -> Target:
    """Scheme, host and port of `url`, or UnsafeUrl before any name is looked up."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    flaw = url_flaw(url)
    if flaw is not None:
        raise UnsafeUrl(flaw)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"the URL cannot be parsed: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and policy.allow_http):
        allowed = "https or http" if policy.allow_http else "https"
        raise UnsafeUrl(f"scheme {scheme or '(none)'!r} is not allowed; use {allowed}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("credentials in the URL are not allowed; the signature authenticates us")
    if parts.fragment:
        raise UnsafeUrl("a fragment is never sent and is not allowed")
    return Target(scheme=scheme, host=host, port=port or DEFAULT_PORTS[scheme])


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses an IPv6 address carries inside (mapped, 6to4, Teredo, NAT64): a
    connection to the wrapper ends at the embedded address."""
    found: list[IPAddress] = []
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
        if address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def refusal(address: IPAddress) -> str | None:
    """Why `address` is not public, or None when it is. Embedded addresses are judged first:
    they are where the connection really ends, so they make the clearest reason."""
    for candidate in [*_embedded(address), address]:
        inner = "" if candidate is address else f" (carries {candidate})"
        for network, name in NAMED_RANGES:
            if candidate.version == network.version and candidate in network:
                return f"{address} is {name}{inner}"
        for flag, name in FLAGGED_KINDS:
            if getattr(candidate, flag):
                return f"{address} is {name}{inner}"
        if not candidate.is_global:
            return f"{address} is not a globally reachable address{inner}"
    return None


def check_addresses(url: str, target: Target, addresses: Sequence[IPAddress], policy: UrlPolicy) -> CheckedUrl:
    """Every address must pass: a host that resolves to one public and one private address
    could be steered to the private one."""
    if not addresses:
        raise UnsafeUrl(f"host {target.host} does not resolve to any address")
    if not policy.allows_host(target.host):
        for address in addresses:
            if policy.allows_address(address):
                continue
            reason = refusal(address)
            if reason is not None:
                raise UnsafeUrl(f"host {target.host} is refused: {reason}")
    return CheckedUrl(url=url, target=target, addresses=tuple(addresses))
