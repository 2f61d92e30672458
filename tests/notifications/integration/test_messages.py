"""What reaches industry, through the consumers on FastStream's in-memory broker: every
message type, need-to-know, the security-declaration gate and item-category filters."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bundling_shared import topics
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.topics import Topic
from notifications.adapters import orm
from notifications.bootstrap import NotificationsService
from notifications.domain.endpoint import Endpoint
from notifications.domain.supplier import Supplier
from tests.notifications import events
from tests.notifications.conftest import LINK
from tests.notifications.integration.conftest import add_endpoint, api_of, consuming, recipients, rows_of
from tests.support.api import desk, industry
from tests.support.today import TODAY

HOOK = "https://hooks.example-defence.eu/"


async def publish(service: NotificationsService, *items: tuple[Topic, EventEnvelope[Any]]) -> None:
    async with consuming(service) as broker:
        for topic, event in items:
            await broker.publish(events.as_json(event), topic.name, key=event.aggregate_id.encode())


async def messages(service: NotificationsService) -> list[dict[str, Any]]:
    return await rows_of(service, orm.messages, orm.messages.c.created_at)


async def test_an_opened_bundle_is_an_opportunity_notice_without_any_nations_detail(
    service: NotificationsService,
) -> None:
    everyone = await add_endpoint(service, "NAMMO", HOOK + "nammo")
    await publish(service, (topics.BUNDLES, events.bundle_opened()))
    [message] = await messages(service)
    assert message["event_type"] == "bundle.opened"
    assert message["payload"] == {
        "bundle_id": "bundle-155mm",
        "item_code": "AMMO-155MM",
        "kind": "joint_order",
        "total_quantity": 40_000,
        "nation_count": 18,
        "delivery_window": {"start": "2025-01-01", "end": "2028-12-31"},
        "accession_deadline": "2025-06-30",
        "lead": "CZE",
        "funding_instruments": [{"instrument": "EDIRPA", "co_funding_rate": 0.15}],
        "specification_ref": "SPEC-155MM-NATO",
        "link": "http://127.0.0.1:8001/v1/bundles/bundle-155mm",
    }
    text = json.dumps(message["payload"])
    assert "NLD" not in text and "DEU" not in text, "funding reasons name nations: they stay inside"
    assert await recipients(service, "bundle.opened") == {everyone.id}


async def test_other_bundle_events_are_acknowledged_and_not_told_to_industry(service: NotificationsService) -> None:
    await add_endpoint(service, "NAMMO", HOOK + "nammo")
    await publish(service, (topics.BUNDLES, events.bundle_updated()), (topics.CONTRACTS, events.framework_acceded()))
    assert await messages(service) == []


async def test_award_notices_and_harmonised_specifications_go_to_every_subscriber(
    service: NotificationsService,
) -> None:
    nammo = await add_endpoint(service, "NAMMO", HOOK + "nammo")
    thales = await add_endpoint(service, "THALES", HOOK + "thales")
    await publish(
        service, (topics.CONTRACTS, events.award_decided()), (topics.REFERENCE, events.specification_harmonised())
    )
    award, spec = await messages(service)
    assert award["payload"]["supplier_organisation"] == "NAMMO"
    assert award["payload"]["standstill_until"] == "2025-04-10"
    assert spec["payload"]["reference"] == "SPEC-155MM-NATO"
    assert spec["payload"]["nation_count"] == 3 and "nations" not in spec["payload"]
    assert "compatible_deviations" not in spec["payload"], "details stay behind the link"
    assert spec["payload"]["link"] == "http://127.0.0.1:8002/v1/specifications/spec-155"
    assert await recipients(service, "award.decided") == {nammo.id, thales.id}
    assert await recipients(service, "specification.harmonised") == {nammo.id, thales.id}


async def test_a_framework_notice_gives_ceiling_and_period_but_no_participants_or_budget(
    service: NotificationsService,
) -> None:
    await add_endpoint(service, "NAMMO", HOOK + "nammo")
    await publish(service, (topics.CONTRACTS, events.framework_created()))
    [message] = await messages(service)
    payload = message["payload"]
    assert message["event_type"] == "framework_contract.created"
    assert (payload["ceiling_quantity"], payload["participant_count"]) == (24, 4)
    assert (payload["start"], payload["end"]) == ("2025-01-01", "2029-12-31")
    text = json.dumps(payload)
    assert "NOR" not in text and "LTU" not in text and "480000000" not in text


RESTRICTED: list[tuple[str, Callable[[str], EventEnvelope[Any]]]] = [
    ("call_off.placed", lambda org: events.call_off(supplier=org)),
    ("delivery_schedule.changed", lambda org: events.schedule_changed(supplier=org)),
    ("delivery.delayed", lambda org: events.delivery_delayed(supplier=org)),
]


@pytest.mark.parametrize(("event_type", "make"), RESTRICTED)
async def test_restricted_news_goes_to_the_contracted_supplier_with_a_valid_declaration_only(
    service: NotificationsService, event_type: str, make: Callable[[str], EventEnvelope[Any]]
) -> None:
    thales = await add_endpoint(service, "THALES", HOOK + "thales")
    thales_ops = await add_endpoint(service, "THALES", HOOK + "thales-ops", (event_type,))
    await add_endpoint(service, "NAMMO", HOOK + "nammo")  # cleared too, but not the supplier
    await publish(
        service,
        (topics.REFERENCE, events.supplier_registered("THALES")),
        (topics.REFERENCE, events.supplier_registered("NAMMO")),
        (topics.CONTRACTS, make("THALES")),
    )
    assert await recipients(service, event_type) == {thales.id, thales_ops.id}
    [message] = await messages(service)
    assert message["audience"] == "THALES"


@pytest.mark.parametrize(("event_type", "make"), RESTRICTED)
@pytest.mark.parametrize("valid_until", [None, TODAY - timedelta(days=1)], ids=["none", "expired"])
async def test_restricted_news_is_withheld_without_a_valid_security_declaration(
    service: NotificationsService,
    event_type: str,
    make: Callable[[str], EventEnvelope[Any]],
    valid_until: date | None,
) -> None:
    await add_endpoint(service, "THALES", HOOK + "thales")
    await publish(service, (topics.REFERENCE, events.supplier_registered("THALES", valid_until)))
    await publish(service, (topics.CONTRACTS, make("THALES")))
    assert await recipients(service, event_type) == set()
    assert [m["event_type"] for m in await messages(service)] == [event_type], "kept, to show it was withheld"


async def test_restricted_news_is_withheld_from_an_organisation_never_registered(
    service: NotificationsService,
) -> None:
    await add_endpoint(service, "THALES", HOOK + "thales")
    await publish(service, (topics.CONTRACTS, events.call_off(supplier="THALES")))
    assert await recipients(service, "call_off.placed") == set()


def test_a_declaration_valid_through_today_still_counts() -> None:
    now = datetime.now(UTC)
    supplier = Supplier("THALES", "s", "NLD", now.date(), now)
    assert supplier.cleared_on(now.date())
    assert not supplier.cleared_on(now.date() + timedelta(days=1))


async def test_the_newest_registration_wins_even_when_an_older_one_arrives_later(
    service: NotificationsService,
) -> None:
    newer = events.supplier_registered("THALES", None)  # declaration withdrawn
    older = events.supplier_registered("THALES", events.DECLARED_UNTIL).model_copy(
        update={"occurred_at": newer.occurred_at - timedelta(days=30)}
    )
    await add_endpoint(service, "THALES", HOOK + "thales")
    await publish(service, (topics.REFERENCE, newer), (topics.REFERENCE, older))
    await publish(service, (topics.CONTRACTS, events.call_off(supplier="THALES")))
    assert await recipients(service, "call_off.placed") == set()


async def test_item_category_filters_choose_what_an_endpoint_gets(service: NotificationsService) -> None:
    ammo = await add_endpoint(service, "NAMMO", HOOK + "ammo", item_categories=("ammo",))
    radar = await add_endpoint(service, "THALES", HOOK + "radar", item_categories=("RADAR-MMR",))
    both = await add_endpoint(service, "RHEINMETALL", HOOK + "both", item_categories=("AMMO", "RADAR"))
    everything = await add_endpoint(service, "KNDS", HOOK + "all")
    await publish(
        service,
        (topics.BUNDLES, events.bundle_opened(item_code="AMMO-155MM")),
        (topics.CONTRACTS, events.framework_created()),  # RADAR-MMR
        (topics.CONTRACTS, events.award_decided()),  # VSRAT
    )
    assert await recipients(service, "bundle.opened") == {ammo.id, both.id, everything.id}
    assert await recipients(service, "framework_contract.created") == {radar.id, both.id, everything.id}
    assert await recipients(service, "award.decided") == {everything.id}


async def test_news_about_no_item_in_particular_passes_the_suppliers_category_filter(
    service: NotificationsService,
) -> None:
    """A schedule change of the supplier's own contract names no item: it is addressed to
    the supplier, so a category filter must not hide it."""
    thales = await add_endpoint(service, "THALES", HOOK + "thales", item_categories=("RADAR",))
    await publish(
        service,
        (topics.REFERENCE, events.supplier_registered("THALES")),
        (topics.CONTRACTS, events.schedule_changed()),
    )
    assert await recipients(service, "delivery_schedule.changed") == {thales.id}


async def test_a_schedule_change_is_thin_the_lots_stay_behind_the_link(service: NotificationsService) -> None:
    await publish(service, (topics.CONTRACTS, events.schedule_changed()))
    [message] = await messages(service)
    assert message["payload"] == {
        "contract_id": "contract-radar",
        "reason": "order moved forward to meet NATO stock norms",
        "lot_count": 2,
        "first_due": "2025-09-01",
        "last_due": "2026-03-01",
        "link": LINK.format(contract_id="contract-radar"),
    }


@pytest.mark.parametrize("topic", [topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE], ids=lambda t: t.name)
async def test_an_unknown_version_on_any_consumed_topic_makes_no_message(
    service: NotificationsService, topic: Topic
) -> None:
    await add_endpoint(service, "NAMMO", HOOK + "nammo")
    body = events.as_json(events.bundle_opened())
    body["schema_version"] = 2
    async with consuming(service) as broker:
        await broker.publish(body, topic.name)
    assert await messages(service) == []


async def test_a_redelivered_reference_event_changes_nothing(service: NotificationsService) -> None:
    event = events.specification_harmonised()
    await publish(service, (topics.REFERENCE, event), (topics.REFERENCE, event))
    assert len(await messages(service)) == 1


def test_endpoint_registration_normalises_and_bounds_categories() -> None:
    endpoint = Endpoint.register(
        organisation="NAMMO", url=HOOK, description="", event_types=(), item_categories=(" ammo ", "AMMO", "vsrat")
    )
    assert endpoint.item_categories == ["AMMO", "VSRAT"]


async def test_a_company_reads_again_the_opportunity_notices_its_own_endpoints_received(
    service: NotificationsService,
) -> None:
    await add_endpoint(service, "NAMMO", HOOK + "nammo")
    await add_endpoint(service, "THALES", HOOK + "thales", item_categories=("MMR",))  # no ammunition
    await publish(
        service,
        (topics.BUNDLES, events.bundle_opened("AMMO-155MM", "bundle-155")),
        (topics.BUNDLES, events.bundle_opened("AMMO-120MM", "bundle-120")),
        (topics.CONTRACTS, events.contract_created()),
    )
    async with api_of(service) as api:
        told = (await api.get("/v1/opportunities", headers=industry("NAMMO"))).json()
        assert told["total"] == 2
        assert {n["data"]["bundle_id"] for n in told["items"]} == {"bundle-155", "bundle-120"}
        assert {n["event_type"] for n in told["items"]} == {"bundle.opened"}  # not the contract
        sent = {m["id"]: m["payload"] for m in await messages(service)}
        for notice in told["items"]:  # what the webhook carried, and no more: the fund's fields left empty
            carried = sent[notice["id"]]
            assert {k: notice["data"][k] for k in carried} == carried
            assert all(notice["data"][k] in (None, []) for k in notice["data"].keys() - carried.keys())
        one = (await api.get("/v1/opportunities?limit=1&offset=1", headers=industry("NAMMO"))).json()
        assert (len(one["items"]), one["total"]) == (1, 2)
        for stranger in (industry("THALES"), industry("ACME"), desk("NLD")):
            answer = await api.get("/v1/opportunities", headers=stranger)
            assert answer.status_code == 200 and answer.json()["total"] == 0, answer.text
        assert (await api.get("/v1/opportunities")).status_code == 401
