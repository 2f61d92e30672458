"""Signing in brings the user back to the page it asked for (or was on when its token
expired), and only ever to one of the console's own pages."""

from __future__ import annotations

import re

import httpx
import pytest

from bundling_shared.settings import AuthSettings
from console.config import ConsoleSettings
from console.entrypoints.app import create_app
from console.entrypoints.session import local_page


async def test_the_development_sign_in_returns_to_the_page_asked_for() -> None:
    settings = ConsoleSettings(auth=AuthSettings(mode="development"), dev_sign_in=True, metrics={"enabled": False})
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client:
        asked = await client.get("/needs?offset=50")
        assert (asked.status_code, asked.headers["location"]) == (303, "/sign-in")
        form = (await client.get("/sign-in")).text
        found = re.search(r'name="csrf-token" content="([^"]+)"', form)
        assert found is not None
        signed = await client.post(
            "/sign-in", data={"csrf_token": found.group(1), "role": "nation_desk", "nation": "NLD"}
        )
    assert (signed.status_code, signed.headers["location"]) == (303, "/needs?offset=50")


@pytest.mark.parametrize(
    ("wanted", "page"),
    [
        ("/needs", "/needs"),
        ("/bundles/b-1?x=1", "/bundles/b-1?x=1"),
        ("//evil.example/needs", "/"),  # another site, written as a path
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        (None, "/"),
        (42, "/"),
    ],
)
def test_only_the_consoles_own_pages_are_returned_to(wanted: object, page: str) -> None:
    assert local_page(wanted) == page
