"""Which webhook URLs may be called: https only, public addresses only, unless allow-listed."""

from __future__ import annotations

import ipaddress
import re

import pytest

from notifications.adapters.url_guard import DnsUrlGuard
from notifications.domain.url_safety import IPAddress, UnsafeUrl, UrlPolicy, check_addresses, parse_target, refusal
from tests.notifications.conftest import DNS, fake_dns

STRICT = UrlPolicy()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("192.0.0.8", "IETF protocol assignment"),
        ("192.0.2.1", "private"),  # documentation (TEST-NET-1)
        ("198.51.100.1", "private"),  # TEST-NET-2
        ("203.0.113.1", "private"),  # TEST-NET-3
        ("255.255.255.255", "reserved"),  # broadcast
        ("0.1.2.3", "private"),  # "this network"
        ("fec0::1", "site-local"),
        ("2001:db8::1", "private"),  # documentation
        ("::127.0.0.1", "reserved"),  # IPv4-compatible IPv6
        ("::ffff:100.64.0.1", "100.64.0.1"),  # mapped carrier-grade NAT
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.45"),  # Teredo
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("198.18.0.1", "private"),  # benchmarking
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),  # unique local
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "127.0.0.1"),  # IPv4-mapped IPv6
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:169.254.169.254", "169.254.169.254"),
        ("2002:7f00:1::", "127.0.0.1"),  # 6to4 wrapping loopback
        ("64:ff9b::a00:1", "10.0.0.1"),  # NAT64 wrapping a private address
    ],
)
def test_non_public_addresses_are_refused(address: str, why: str) -> None:
    ip = ipaddress.ip_address(address)
    reason = refusal(ip)
    assert reason is not None and why in reason
    target = parse_target("https://hooks.example.eu/x", STRICT)
    with pytest.raises(UnsafeUrl, match="refused"):
        check_addresses("https://hooks.example.eu/x", target, [ip], STRICT)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal(ip) is None
    checked = check_addresses(
        "https://hooks.example.eu/x", parse_target("https://hooks.example.eu/x", STRICT), [ip], STRICT
    )
    assert checked.addresses == (ip,)


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    addresses: list[IPAddress] = [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.7")]
    with pytest.raises(UnsafeUrl, match=r"10\.0\.0\.7 is a private address"):
        check_addresses("https://x.eu/", parse_target("https://x.eu/", STRICT), addresses, STRICT)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.eu/x", "scheme 'http' is not allowed"),
        ("ftp://hooks.example.eu/x", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("hooks.example.eu/x", "scheme '(none)'"),
        ("https:///x", "names no host"),
        ("https://user:pw@hooks.example.eu/x", "credentials"),
        ("https://hooks.example.eu:99999/x", "cannot be parsed"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused_before_any_lookup(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=re.escape(why)):
        parse_target(url, STRICT)


def test_http_is_accepted_only_when_the_setting_allows_it() -> None:
    target = parse_target("http://hooks.example.eu/x", UrlPolicy(allow_http=True))
    assert (target.scheme, target.host, target.port) == ("http", "hooks.example.eu", 80)


def test_an_allow_listed_loopback_address_passes_but_its_neighbour_does_not() -> None:
    policy = UrlPolicy.from_setting(allow_http=True, allowed_hosts="127.0.0.1, localhost")
    target = parse_target("http://127.0.0.1:8080/x", policy)
    assert check_addresses("http://127.0.0.1:8080/x", target, [ipaddress.ip_address("127.0.0.1")], policy)
    with pytest.raises(UnsafeUrl, match="loopback"):
        check_addresses(
            "http://127.0.0.2/x",
            parse_target("http://127.0.0.2/x", policy),
            [ipaddress.ip_address("127.0.0.2")],
            policy,
        )


def test_an_allow_listed_network_covers_its_addresses_only() -> None:
    policy = UrlPolicy.of(allowed=["10.1.0.0/16"])
    target = parse_target("https://internal.example/x", policy)
    assert check_addresses("https://internal.example/x", target, [ipaddress.ip_address("10.1.2.3")], policy)
    with pytest.raises(UnsafeUrl):
        check_addresses("https://internal.example/x", target, [ipaddress.ip_address("10.2.0.1")], policy)


async def test_the_guard_resolves_names_and_checks_every_answer() -> None:
    guard = DnsUrlGuard(UrlPolicy(), fake_dns(DNS))
    checked = await guard.check("https://hooks.example-defence.eu/bundling")
    assert [str(a) for a in checked.addresses] == ["93.184.216.34"]
    with pytest.raises(UnsafeUrl, match=re.escape("169.254.169.254 is a link-local address")):
        await guard.check("https://metadata.internal/latest/meta-data")
    with pytest.raises(UnsafeUrl, match=re.escape("10.0.0.7")):
        await guard.check("https://split.example.eu/")
    with pytest.raises(UnsafeUrl, match="cannot be resolved"):
        await guard.check("https://nowhere.example.eu/")


async def test_an_allow_listed_host_name_passes_and_a_literal_ip_needs_no_lookup() -> None:
    lookups: list[str] = []
    resolve = fake_dns(DNS)

    async def counting(host: str, port: int) -> list[IPAddress]:
        lookups.append(host)
        return await resolve(host, port)

    guard = DnsUrlGuard(UrlPolicy.from_setting(allow_http=True, allowed_hosts="localhost"), counting)
    assert await guard.check("http://localhost:9000/hooks")
    with pytest.raises(UnsafeUrl, match="loopback"):
        await guard.check("http://[::ffff:127.0.0.1]:9000/hooks")
    assert lookups == ["localhost"]
