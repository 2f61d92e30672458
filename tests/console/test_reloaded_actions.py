"""Reloading the page a refused form answered asks for the act's address with GET: the
console sends the browser to the page of the object the act was on, not to a bare 405."""

from __future__ import annotations

import httpx
import pytest

from bundling_shared.settings import AuthSettings
from console.config import ConsoleSettings
from console.entrypoints.app import create_app


@pytest.mark.parametrize(
    ("reloaded", "page"),
    [
        ("/bundles/bundle-1/commit", "/bundles/bundle-1"),
        ("/needs/need-1/amend", "/needs/need-1"),
        ("/endpoints/endpoint-1/messages/message-1/resend", "/endpoints/endpoint-1"),  # no page for a message
        ("/sign-out", "/"),
    ],
)
async def test_a_reloaded_act_goes_to_the_page_of_its_object(reloaded: str, page: str) -> None:
    app = create_app(ConsoleSettings(auth=AuthSettings(mode="development"), metrics={"enabled": False}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client:
        answer = await client.get(reloaded)
    assert (answer.status_code, answer.headers["location"]) == (303, page)


async def test_an_address_that_is_no_page_stays_not_found() -> None:
    app = create_app(ConsoleSettings(auth=AuthSettings(mode="development"), metrics={"enabled": False}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client:
        answer = await client.get("/no-such-page")
    assert answer.status_code == 404
