"""A nation's desk is told when the bundling engine sets one of its needs aside: a desk
registers webhook endpoints for its own nation, and `demand.need.unplaceable` becomes a
`need.unplaceable` message delivered, signed, to that nation's endpoints and to no one
else's, industry's least of all."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from faststream.kafka import TestKafkaBroker
from standardwebhooks.webhooks import Webhook

from bundling_shared import topics
from bundling_shared.auth import Role
from bundling_shared.events.demand import NeedUnplaceablePayload, NeedUnplaceableV1
from bundling_shared.events.envelope import EventEnvelope
from notifications.bootstrap import NotificationsService
from tests.notifications import events
from tests.notifications.integration.conftest import Receiver, recipients
from tests.support.api import bearer, desk, industry

ADMIN = bearer(Role.ADMIN, org="platform")
HOOK = "https://hooks.example-defence.eu/"
REASON = "quantity 2,000,000,000 is outside the 1 to 1,000,000,000 units one need may hold"


def unplaceable(nation: str = "NLD", need_id: str = "need-nld-1") -> NeedUnplaceableV1:
    event: NeedUnplaceableV1 = NeedUnplaceableV1.create(
        NeedUnplaceablePayload(need_id=need_id, nation=nation, item_code="AMMO-155MM", reason=REASON),
        aggregate_id=need_id,
        producer="demand",
        nation=nation,
    )
    return event


async def publish(service: NotificationsService, *items: EventEnvelope[Any]) -> None:
    async with TestKafkaBroker(service.broker) as broker:
        for event in items:
            await broker.publish(events.as_json(event), topics.BUNDLES.name, key=event.aggregate_id.encode())


async def register(api: httpx.AsyncClient, headers: dict[str, str], url: str, **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/endpoints", json={"url": url} | body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_desk_registers_and_manages_endpoints_for_its_own_nation(api: httpx.AsyncClient) -> None:
    nld = desk("NLD")
    created = await register(api, nld, HOOK + "nld", event_types=["need.unplaceable"], description="NLD desk")
    assert (created["organisation"], created["owner"], created["event_types"]) == (
        "NLD",
        "nation",
        ["need.unplaceable"],
    )
    assert created["secret"].startswith("whsec_")
    path = f"/v1/endpoints/{created['id']}"
    assert [e["id"] for e in (await api.get("/v1/endpoints", headers=nld)).json()["items"]] == [created["id"]]
    assert (await api.get(path, headers=nld)).json()["owner"] == "nation"
    changed = await api.patch(path, json={"description": "NLD desk, ammunition"}, headers=nld)
    assert changed.status_code == 200 and changed.json()["description"] == "NLD desk, ammunition"
    assert (await api.post(f"{path}/pause", headers=nld)).json()["status"] == "paused"
    assert (await api.post(f"{path}/resume", headers=nld)).json()["status"] == "active"
    assert (await api.post(f"{path}/rotate-secret", headers=nld)).status_code == 200
    assert (await api.get(f"{path}/attempts", headers=nld)).status_code == 200
    assert (await api.delete(path, headers=nld)).status_code == 204
    assert (await api.get(path, headers=nld)).status_code == 404


async def test_another_nation_and_industry_see_nothing_of_a_desks_endpoint(api: httpx.AsyncClient) -> None:
    created = await register(api, desk("NLD"), HOOK + "nld")
    path = f"/v1/endpoints/{created['id']}"
    # An industry token whose organisation is spelled like the nation is still not the desk.
    for others in (desk("DEU"), industry("NLD"), industry("NAMMO")):
        assert (await api.get(path, headers=others)).status_code == 404
        assert (await api.patch(path, json={"description": "x"}, headers=others)).status_code == 404
        for action in ("pause", "resume", "rotate-secret"):
            assert (await api.post(f"{path}/{action}", headers=others)).status_code == 404, action
        assert (await api.get(f"{path}/attempts", headers=others)).status_code == 404
        assert (await api.delete(path, headers=others)).status_code == 404
        assert (await api.get("/v1/endpoints", headers=others)).json()["items"] == []
    listed = (await api.get("/v1/endpoints", headers=ADMIN)).json()["items"]
    assert [(e["organisation"], e["owner"]) for e in listed] == [("NLD", "nation")]


async def test_an_industry_endpoint_is_not_a_desks_even_under_the_nations_code(api: httpx.AsyncClient) -> None:
    theirs = await register(api, industry("NLD"), HOOK + "nld-company")
    assert theirs["owner"] == "industry"
    assert (await api.get(f"/v1/endpoints/{theirs['id']}", headers=desk("NLD"))).status_code == 404
    assert (await api.get("/v1/endpoints", headers=desk("NLD"))).json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [{"nation": "DEU"}, {"organisation": "NAMMO"}, {"organisation": "NLD"}, {"event_types": ["award.decided"]}],
)
async def test_a_desk_registers_only_for_its_own_nation_and_its_notices(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await api.post("/v1/endpoints", json={"url": HOOK + "x"} | body, headers=desk("NLD"))
    assert response.status_code == 422, response.text
    assert (await api.get("/v1/endpoints", headers=ADMIN)).json()["items"] == []


@pytest.mark.parametrize("body", [{"nation": "NLD"}, {"event_types": ["need.unplaceable"]}])
async def test_industry_cannot_register_for_a_nations_notices(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await api.post("/v1/endpoints", json={"url": HOOK + "x"} | body, headers=industry("NAMMO"))
    assert response.status_code == 422, response.text


async def test_a_desk_cannot_turn_its_endpoint_to_industrys_messages(api: httpx.AsyncClient) -> None:
    created = await register(api, desk("NLD"), HOOK + "nld")
    response = await api.patch(
        f"/v1/endpoints/{created['id']}", json={"event_types": ["award.decided"]}, headers=desk("NLD")
    )
    assert response.status_code == 422, response.text


async def test_an_admin_registers_for_a_nation_by_naming_it(api: httpx.AsyncClient) -> None:
    created = await register(api, ADMIN, HOOK + "nld", nation="NLD")
    assert (created["organisation"], created["owner"]) == ("NLD", "nation")
    assert (await api.get(f"/v1/endpoints/{created['id']}", headers=desk("NLD"))).status_code == 200
    both = await api.post("/v1/endpoints", json={"url": HOOK, "nation": "NLD", "organisation": "NAMMO"}, headers=ADMIN)
    assert both.status_code == 422


async def test_the_notice_reaches_that_nations_desk_only_signed(
    api: httpx.AsyncClient, service: NotificationsService, receiver: Receiver
) -> None:
    nld = await register(api, desk("NLD"), receiver.url("/hooks/nld"), event_types=["need.unplaceable"])
    nld_all = await register(api, desk("NLD"), receiver.url("/hooks/nld-all"))
    await register(api, desk("NLD"), receiver.url("/hooks/nld-radar"), item_categories=["RADAR"])
    await register(api, desk("DEU"), receiver.url("/hooks/deu"))
    await register(api, industry("NLD"), receiver.url("/hooks/company-named-nld"))
    await register(api, industry("NAMMO"), receiver.url("/hooks/nammo"))

    event = unplaceable("NLD")
    await publish(service, event, event)  # redelivered: still one message

    assert await recipients(service, "need.unplaceable") == {nld["id"], nld_all["id"]}
    await service.dispatcher.dispatch_due()
    await service.dispatcher.drain()
    assert sorted(h.path for h in receiver.hits) == ["/hooks/nld", "/hooks/nld-all"]
    for hit, secret in zip(
        sorted(receiver.hits, key=lambda h: h.path), (nld["secret"], nld_all["secret"]), strict=True
    ):
        notice = Webhook(secret).verify(hit.body, hit.headers)
        assert notice["type"] == "need.unplaceable"
        data = notice["data"]
        assert (data["need_id"], data["item_code"], data["reason"]) == ("need-nld-1", "AMMO-155MM", REASON)
        assert data["link"].endswith("/v1/needs/need-nld-1")
        assert set(data) == {"need_id", "item_code", "reason", "link"}, "nothing about nations"
    message = f"/v1/messages/{receiver.hits[0].headers['webhook-id']}/deliveries"
    told = (await api.get(message, headers=desk("NLD"))).json()["items"]
    assert {d["endpoint_id"] for d in told} == {nld["id"], nld_all["id"]}
    for others in (desk("DEU"), industry("NLD")):
        assert (await api.get(message, headers=others)).status_code == 404


async def test_a_desk_endpoint_hears_its_nations_notices_not_industrys_messages(
    api: httpx.AsyncClient, service: NotificationsService
) -> None:
    nld = await register(api, desk("NLD"), HOOK + "nld")
    deu = await register(api, desk("DEU"), HOOK + "deu")
    nammo = await register(api, industry("NAMMO"), HOOK + "nammo")
    await publish(service, events.bundle_opened(), unplaceable("DEU", "need-deu-1"))
    assert await recipients(service, "bundle.opened") == {nammo["id"]}
    assert await recipients(service, "need.unplaceable") == {deu["id"]}
    assert nld["id"] not in await recipients(service, "need.unplaceable")
