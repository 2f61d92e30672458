"""One platform, one console and one browser for every browser test of the package: starting
the services is most of a browser test's time, and each test acts for nations of its own."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.conftest import Platform, running
from tests.e2e.console.browsing import CHROMIUM, FLAGS
from tests.support.infra import free_port
from tests.support.processes import ServiceProcess


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def platform(
    kafka_bootstrap: str, postgres_maintenance_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    async with running(kafka_bootstrap, postgres_maintenance_url, tmp_path_factory.mktemp("console")) as up:
        yield up


@pytest.fixture(scope="package")
def console(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    tmp_path = tmp_path_factory.mktemp("console-log")
    port = free_port()
    env = {
        "CONSOLE_PORT": str(port),
        "CONSOLE_DEMAND_URL": platform.demand.url,
        "CONSOLE_CONTRACTS_URL": platform.contracts.url,
        "CONSOLE_NOTIFICATIONS_URL": platform.notifications.url,
        "CONSOLE_DEV_SIGN_IN": "true",
        "CONSOLE_LIVE_POLL_SECONDS": "0.5",
        "LOG_JSON": "true",
    }
    process = ServiceProcess("console", port, env, tmp_path / "console.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: deploy/bootstrap.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()
