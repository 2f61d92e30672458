"""The notifications API takes nothing on trust: a webhook URL and a description without
control characters, bounded lists of event types and categories, no boolean for a number,
times with a zone inside the planning range, unknown fields refused; each refusal a 422
problem naming the field and the rule, never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bundling_shared.auth import Role
from notifications.bootstrap import NotificationsService
from notifications.domain.endpoint import Endpoint
from notifications.domain.errors import InvalidEndpoint
from notifications.domain.url_safety import UrlPolicy, parse_target
from notifications.entrypoints.app import create_app
from tests.support.api import bearer, industry
from tests.support.openapi import lax_spots

HOOK = "https://hooks.example-defence.eu/bundling"
ADMIN = bearer(Role.ADMIN, org="platform")


async def send(api: httpx.AsyncClient, method: str, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    text = body if isinstance(body, str) else json.dumps(body)
    return await api.request(method, path, content=text, headers={**headers, "content-type": "application/json"})


def refused(response: httpx.Response, field: str, rule: str | None = None) -> None:
    assert response.status_code == 422, f"{response.status_code} {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    named = [e for e in errors if e["field"] == field or e["field"].startswith(field + ".")]
    assert named, f"no error names {field}: {errors}"
    if rule is not None:
        assert rule in {e["rule"] for e in named}, f"{field}: {named}"


async def endpoint(api: httpx.AsyncClient) -> str:
    response = await send(api, "POST", "/v1/endpoints", {"url": HOOK}, industry("NAMMO"))
    assert response.status_code == 201, response.text
    endpoint_id: str = response.json()["id"]
    return endpoint_id


@pytest.mark.parametrize(
    "url",
    [
        HOOK + "\x00",
        "https://hooks.example-defence.eu\x00.evil.test/bundling",
        HOOK + "\r\nX-Injected: 1",
        HOOK + "/a b",
        HOOK + "\x7f",
        HOOK + "\u0085",
    ],
)
async def test_a_webhook_url_has_no_control_characters_or_spaces(api: httpx.AsyncClient, url: str) -> None:
    refused(await send(api, "POST", "/v1/endpoints", {"url": url}, industry("NAMMO")), "body.url")


@pytest.mark.parametrize("url", [HOOK + "\x00", HOOK + "\n", HOOK + " /x", "https://a\tb.example.eu/"])
def test_the_url_rule_refuses_control_characters_and_spaces_whoever_asks(url: str) -> None:
    with pytest.raises(InvalidEndpoint, match=r"control character|space"):
        parse_target(url, UrlPolicy())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": HOOK, "description": "sales\x00desk"}, "body.description"),
        ({"url": HOOK, "description": "x" * 501}, "body.description"),
        ({"url": HOOK, "organisation": "NAMMO\x00"}, "body.organisation"),
        ({"url": 12345}, "body.url"),
        ({"url": HOOK, "rate_limit_per_second": True}, "body.rate_limit_per_second"),
        ({"url": HOOK, "rate_limit_per_second": 2**63}, "body.rate_limit_per_second"),
        ({"url": HOOK, "rate_limit_per_second": "5"}, "body.rate_limit_per_second"),
        ({"url": HOOK, "event_types": ["contract.created"] * 5_000}, "body.event_types"),
        ({"url": HOOK, "event_types": ["x" * 5_000]}, "body.event_types.0"),
        ({"url": HOOK, "item_categories": ["AMMO"] * 5_000}, "body.item_categories"),
        ({"url": HOOK, "item_categories": ["AMMO\x00"]}, "body.item_categories.0"),
        ({"url": HOOK, "urll": HOOK}, "body.urll"),
    ],
)
async def test_an_endpoint_body_is_bounded_and_clean(api: httpx.AsyncClient, body: dict[str, Any], field: str) -> None:
    refused(await send(api, "POST", "/v1/endpoints", body, ADMIN), field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://elsewhere.example.eu/"}, "body.url"),
        ({"description": "desk\x00"}, "body.description"),
        ({"rate_limit_per_second": True}, "body.rate_limit_per_second"),
        ({"event_types": ["contract.created"] * 5_000}, "body.event_types"),
    ],
)
async def test_a_change_names_only_what_may_change(api: httpx.AsyncClient, body: dict[str, Any], field: str) -> None:
    """A URL in a change was dropped silently: the owner believed it had moved the endpoint."""
    endpoint_id = await endpoint(api)
    refused(await send(api, "PATCH", f"/v1/endpoints/{endpoint_id}", body, industry("NAMMO")), field)
    shown = (await api.get(f"/v1/endpoints/{endpoint_id}", headers=industry("NAMMO"))).json()
    assert (shown["url"], shown["description"], shown["rate_limit_per_second"]) == (HOOK, "", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"since": "9999-12-31T23:59:59+00:00"}, "body.since"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "body.since"),
        ({"since": 0}, "body.since"),
        ({"since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z", "when": "now"}, "body.when"),
    ],
)
async def test_a_recovery_window_lies_in_the_planning_range(
    api: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    endpoint_id = await endpoint(api)
    refused(await send(api, "POST", f"/v1/endpoints/{endpoint_id}/recover", body, industry("NAMMO")), field)


@pytest.mark.parametrize(
    "query",
    [
        "offset=9223372036854775808",
        "limit=true",
        "since=0001-01-01T00:00:00%2B14:00",
        "until=9999-12-31T23:59:59-14:00",
        "since=0",
        "message_id=" + "m" * 5_000,
    ],
)
async def test_attempt_log_parameters_are_bounded(api: httpx.AsyncClient, query: str) -> None:
    endpoint_id = await endpoint(api)
    response = await api.get(f"/v1/endpoints/{endpoint_id}/attempts?{query}", headers=industry("NAMMO"))
    refused(response, "query." + query.split("=")[0])


@pytest.mark.parametrize("name", ["%00", "x%00y", "a" * 5_000, "%F0%9F%92%A3", "%20"])
@pytest.mark.parametrize("path", ["/v1/endpoints/{id}", "/v1/endpoints/{id}/attempts", "/v1/messages/{id}/deliveries"])
async def test_an_odd_id_in_a_path_is_not_found_or_refused(api: httpx.AsyncClient, path: str, name: str) -> None:
    response = await api.get(path.format(id=name), headers=industry("NAMMO"))
    assert response.status_code in (404, 422), f"{path} {name[:20]}: {response.status_code} {response.text[:200]}"


def test_the_domain_refuses_a_url_with_a_nul_whoever_registers_it() -> None:
    with pytest.raises(InvalidEndpoint):
        Endpoint.register(organisation="NAMMO", url=HOOK + "\x00", description="", event_types=())


async def test_every_operation_declares_bounded_strict_input(service: NotificationsService) -> None:
    assert lax_spots(create_app(service=service).openapi()) == []
