"""The console in production mode signing users in through a real OpenID Connect provider
(`tests.support.identity_provider`), and the demand service trusting that provider's keys:
one of each for the package, the provider set back to well-behaved before each test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
import pytest_asyncio

from bundling_shared.auth import Role
from tests.e2e.console.conftest import browser as browser  # the console's browser tests' Chromium
from tests.support import infra
from tests.support.identity_provider import AUDIENCE, IdentityProvider, User
from tests.support.infra import free_port
from tests.support.processes import ServiceProcess

NOWHERE = "http://127.0.0.1:9"  # services these tests never reach


def register_need(demand: ServiceProcess, provider: IdentityProvider, user: User) -> str:
    start = date.today() + timedelta(days=400)
    body = {
        "nation": user.nation,
        "item_code": "AMMO-155MM",
        "quantity": 1234,
        "delivery_window": {"start": start.isoformat(), "end": (start + timedelta(days=700)).isoformat()},
    }
    token = provider.access_token(user)
    response = httpx.post(f"{demand.url}/v1/needs", json=body, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    need_id: str = response.json()["id"]
    return need_id


@pytest.fixture(scope="package")
def provider_serving() -> Iterator[IdentityProvider]:
    # on `localhost` while the console answers on 127.0.0.1: another site, as a real provider is
    with IdentityProvider(host="localhost").serving() as provider:
        yield provider


@pytest.fixture
def identity_provider(provider_serving: IdentityProvider) -> IdentityProvider:
    """The package's provider as it behaves by default, signing in a Dutch desk."""
    provider = provider_serving
    provider.user = User(f"desk-{uuid.uuid4().hex[:8]}", Role.NATION_DESK, nation="NLD")
    provider.deny = provider.ask_consent = provider.wrong_nonce = provider.foreign_key = False
    provider.opaque_access_token = False
    provider.access_audience = AUDIENCE
    provider.access_ttl_seconds = 300
    provider.client_secret = None
    return provider


def production(provider: IdentityProvider) -> dict[str, str]:
    return {
        "AUTH_MODE": "production",
        "AUTH_JWKS_URL": provider.jwks_url,
        "AUTH_ISSUER": provider.issuer,
        "AUTH_AUDIENCE": AUDIENCE,
        "LOG_JSON": "true",
    }


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def demand(
    kafka_bootstrap: str,
    postgres_maintenance_url: str,
    provider_serving: IdentityProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    env = {
        **production(provider_serving),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": f"oidc{uuid.uuid4().hex[:8]}.",
        "DEMAND_DATABASE_URL": await infra.create_database(postgres_maintenance_url),
        "DEMAND_PORT": str(port),
        "OUTBOX_POLL_SECONDS": "0.2",
    }
    process = ServiceProcess("demand", port, env, tmp_path_factory.mktemp("oidc-demand") / "demand.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def start_console(
    provider: IdentityProvider, tmp_path_factory: pytest.TempPathFactory, demand_url: str, **settings: str
) -> ServiceProcess:
    port = free_port()
    env = {
        **production(provider),
        "CONSOLE_PORT": str(port),
        "CONSOLE_DEMAND_URL": demand_url,
        "CONSOLE_CONTRACTS_URL": NOWHERE,
        "CONSOLE_NOTIFICATIONS_URL": NOWHERE,
        "CONSOLE_SESSION_SECRET": uuid.uuid4().hex * 2,
        "CONSOLE_OIDC_ISSUER": provider.issuer,
        "CONSOLE_OIDC_CLIENT_ID": provider.client_id,
        "CONSOLE_OIDC_PROVIDER_NAME": "Test Identity",
        "CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **settings,
    }
    process = ServiceProcess("console", port, env, tmp_path_factory.mktemp("oidc-console") / "console.log")
    process.start()
    if process.port != port:  # started again on another port: the provider must send users there
        process.stop()
        process.env["CONSOLE_PUBLIC_URL"] = process.url
        process.start()
    return process


@pytest.fixture(scope="package")
def console(
    provider_serving: IdentityProvider, demand: ServiceProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    process = start_console(provider_serving, tmp_path_factory, demand.url)
    try:
        yield process
    finally:
        process.stop()


@dataclass
class Visitor:
    """A browser without a browser: follows redirects between the console and the provider,
    keeping each one's cookies."""

    client: httpx.Client

    def sign_in(self) -> httpx.Response:
        return self.client.get("/auth/start", follow_redirects=True)

    def csrf(self) -> str:
        page = self.client.get("/sign-in").text
        marker = '<meta name="csrf-token" content="'
        start = page.index(marker) + len(marker)
        return page[start : page.index('"', start)]


@pytest.fixture
def visitor(console: ServiceProcess) -> Iterator[Visitor]:
    with httpx.Client(base_url=console.url, timeout=20) as client:
        yield Visitor(client)
