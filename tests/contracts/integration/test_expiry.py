"""On SQLite and PostgreSQL: contracts and frameworks nearing their end are told at each
horizon once, by the service's clock, and the framework read warns from the same horizons;
the service's own regular look does the telling."""

from __future__ import annotations

import asyncio
from datetime import date

from contracts.entrypoints.app import tell_expiring as regular_look
from contracts.service_layer.contracts import create_contract_for_joint_order
from contracts.service_layer.expiry import tell_expiring
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import Api
from tests.support.api import desk

END = date(2029, 12, 31)  # as the current ammunition contracts


async def look(api: Api) -> int:
    return await tell_expiring(api.service.uow(), api.service.settings.horizons(), api.service.clock.today())


async def ammunition_framework(api: Api) -> dict[str, object]:
    msm = await api.supplier("MSM-GROUP", "SVK")
    body = {
        "item_code": "AMMO-155MM",
        "participants": {"NLD": 20_000},
        "ceiling_quantity": 20_000,
        "ceiling_value_eur": 80_000_000,
        "start": "2025-01-01",
        "end": END.isoformat(),
        "suppliers": {msm["id"]: 4_000},
    }
    created: dict[str, object] = await api.call("POST", "/v1/frameworks", desk("NLD"), body, 201)
    return created


async def test_the_2029_expiry_is_told_from_2024_each_horizon_once_and_warned_of_on_read(api: Api) -> None:
    api.on(date(2024, 12, 30))
    framework = await ammunition_framework(api)
    assert framework["end_date_warning"] is None
    assert await look(api) == 0

    api.on(date(2024, 12, 31))
    assert await look(api) == 1
    assert await look(api) == 0  # told once: the horizon is recorded
    (told,) = await api.events("contracts.contract.expiring")
    p = told["payload"]
    assert (p["kind"], p["agreement_id"], p["end"], p["horizon_years"], p["days_left"]) == (
        "framework", framework["id"], "2029-12-31", 5, 1826,
    )  # fmt: skip
    assert p["supplier_organisations"] == ["MSM-GROUP"] and p["quantities"] == [{"nation": "NLD", "quantity": 20_000}]
    read = await api.call("GET", f"/v1/frameworks/{framework['id']}", desk("NLD"))
    assert read["end_date_warning"].startswith("expires on 2029-12-31, in 1826 days")

    api.on(date(2027, 12, 31))
    assert await look(api) == 1
    assert [e["payload"]["horizon_years"] for e in await api.events("contracts.contract.expiring")] == [5, 2]


async def test_a_joint_order_contract_is_told_by_the_end_of_its_window_and_the_service_looks_itself(api: Api) -> None:
    api.on(date(2027, 12, 31))
    contract_id = await create_contract_for_joint_order(joint_order(window=(date(2025, 1, 1), END)), api.service.uow())
    api.service.settings.expiry_scan_seconds = 0.05
    looking = asyncio.create_task(regular_look(api.service))
    try:
        for _ in range(100):
            if await api.events("contracts.contract.expiring"):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # a few more looks: nothing more to tell
    finally:
        looking.cancel()
    (told,) = await api.events("contracts.contract.expiring")
    p = told["payload"]
    assert (p["kind"], p["agreement_id"], p["horizon_years"]) == ("contract", contract_id, 2)
    assert p["bundle_id"] == "bundle-155"
    assert p["nations"] == ["DNK", "NLD"] and p["contracting_authority"] == "CZE"


async def test_the_contracts_list_finds_those_ending_within_some_days_soonest_first_for_its_readers(api: Api) -> None:
    api.on(date(2029, 6, 1))
    soon = await create_contract_for_joint_order(
        joint_order("bundle-soon", window=(date(2027, 1, 1), date(2029, 6, 30))), api.service.uow()
    )
    later = await create_contract_for_joint_order(
        joint_order("bundle-later", window=(date(2027, 1, 1), END)), api.service.uow()
    )
    await create_contract_for_joint_order(
        joint_order("bundle-over", window=(date(2027, 1, 1), date(2029, 5, 31))), api.service.uow()
    )

    def ids(found: dict[str, object]) -> list[object]:
        return [c["id"] for c in found["items"]]  # type: ignore[attr-defined]

    assert ids(await api.call("GET", "/v1/contracts?ending_within_days=29", desk("NLD"))) == [soon]
    assert ids(await api.call("GET", "/v1/contracts?ending_within_days=365", desk("NLD"))) == [soon, later]
    assert ids(await api.call("GET", "/v1/contracts?ending_within_days=365", desk("FRA"))) == []
    assert len(ids(await api.call("GET", "/v1/contracts", desk("NLD")))) == 3
    await api.call("GET", "/v1/contracts?ending_within_days=-1", desk("NLD"), expect=422)
