"""The handlers against a unit of work in memory: what each loads, asks the aggregate,
saves and announces, without a database or a broker."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bundling_shared.auth import Principal, Role
from bundling_shared.clock import FixedClock
from contracts.domain.contract import ContractMode
from contracts.domain.deliveries import PlannedLot
from contracts.domain.errors import CommitmentNotContracted, Conflict, ContractRuleViolation, Forbidden, NotFound
from contracts.domain.procurement import ProcurementTerms
from contracts.domain.suppliers import IndustrialBase, Supplier
from contracts.domain.weighing import Weights
from contracts.service_layer.contracts import (
    create_contract_for_joint_order,
    note_lead,
    of_joint_order,
    set_mode,
    visible_page,
)
from contracts.service_layer.deliveries import allocate, plan
from contracts.service_layer.frameworks import accede_to_framework
from contracts.service_layer.procurements import award, open_procurement, sign, submit_offer
from tests.contracts.events import accession, bundle_opened, joint_order, joint_order_ending_before_it_starts
from tests.contracts.unit.fakes import FakeUnitOfWork

LEAD = Principal(subject="coordinator:CZE", role=Role.COORDINATOR, nation="CZE")
NLD = Principal(subject="desk:NLD", role=Role.NATION_DESK, nation="NLD")


async def test_a_joint_order_becomes_one_contract_announced_once_whatever_is_redelivered() -> None:
    uow = FakeUnitOfWork()
    event = joint_order()
    contract_id = await create_contract_for_joint_order(event, uow)
    assert await create_contract_for_joint_order(event, uow) is None
    assert await create_contract_for_joint_order(joint_order(), uow) == contract_id  # the same order, sent twice

    (contract,) = uow.contracts.found
    assert contract.id == contract_id and contract.created_at == uow.clock.now()
    assert [(x.nation, x.quantity) for x in contract.lines] == [("DNK", 5_000), ("NLD", 10_000)]
    (created,) = uow.events("contracts.contract.created")
    assert (created.aggregate_id, created.causation_id) == (contract_id, str(event.event_id))


async def test_a_page_of_contracts_shows_what_the_caller_may_see_and_counts_all_it_may_see() -> None:
    clock = FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    uow = FakeUnitOfWork(clock=clock)
    for bundle_id in ("b1", "b4", "b2", "b3"):
        await create_contract_for_joint_order(joint_order(bundle_id, {"DEU": 5} if bundle_id == "b4" else None), uow)
        clock.advance(timedelta(minutes=1))

    page = await visible_page(uow, NLD, limit=2, offset=0)
    assert [(v.contract.bundle_id, v.nation) for v in page.items] == [("b1", "NLD"), ("b2", "NLD")]
    assert page.total == 3
    rest = await visible_page(uow, NLD, limit=2, offset=2)
    assert ([v.contract.bundle_id for v in rest.items], rest.total) == (["b3"], 3)
    assert (await visible_page(uow, LEAD, limit=10, offset=0)).total == 4


async def test_in_per_buyer_mode_a_joint_order_becomes_a_contract_per_nation_and_the_mode_then_stays() -> None:
    uow = FakeUnitOfWork()
    await note_lead(bundle_opened("bundle-155", lead="CZE"), uow)
    await set_mode(uow, LEAD, "bundle-155", ContractMode.PER_BUYER)
    await create_contract_for_joint_order(joint_order("bundle-155"), uow)

    assert sorted(c.part for c in uow.contracts.found) == ["DNK", "NLD"]
    assert len(uow.events("contracts.contract.created")) == 2
    with pytest.raises(Conflict, match="contracted already"):
        await set_mode(uow, LEAD, "bundle-155", ContractMode.SINGLE)


async def test_only_the_coordinators_of_the_lead_set_how_a_joint_order_is_contracted() -> None:
    uow = FakeUnitOfWork()
    await note_lead(bundle_opened("bundle-155", lead="CZE"), uow)
    with pytest.raises(NotFound):
        await set_mode(uow, Principal(subject="c", role=Role.COORDINATOR, organisation="NSPA"), "bundle-155",
                       ContractMode.PER_BUYER)  # fmt: skip
    with pytest.raises(Forbidden):
        await set_mode(uow, Principal(subject="d", role=Role.NATION_DESK, nation="CZE"), "bundle-155",
                       ContractMode.PER_BUYER)  # fmt: skip
    assert uow.contracts.modes == {}


async def test_a_joint_order_a_rule_refuses_is_kept_with_its_reason_until_one_can_be_contracted() -> None:
    uow = FakeUnitOfWork()
    assert await create_contract_for_joint_order(joint_order_ending_before_it_starts("bundle-155"), uow) is None

    assert "ends its delivery window before it starts" in uow.contracts.refusals["bundle-155"].reason
    (refused,) = uow.events("contracts.commitment.refused")
    assert (refused.aggregate_id, refused.nation) == ("bundle-155", "CZE")
    with pytest.raises(CommitmentNotContracted, match="is not contracted"):
        await of_joint_order(uow, NLD, "bundle-155")

    await create_contract_for_joint_order(joint_order("bundle-155"), uow)
    assert uow.contracts.refusals == {}
    (seen,) = await of_joint_order(uow, NLD, "bundle-155")
    assert seen.nation == "NLD"


async def test_an_accession_to_a_bundle_without_a_framework_is_refused_by_contracts_not_dead_lettered() -> None:
    uow = FakeUnitOfWork()
    event = accession("NOR", 3)
    assert await accede_to_framework(event, uow) is False

    (refused,) = uow.events("contracts.framework.accession_refused")
    assert refused.model_dump(mode="json")["payload"] == {
        "framework_id": "",
        "bundle_id": "bundle-mmr",
        "nation": "NOR",
        "reason": "no framework contract for bundle bundle-mmr; NOR cannot accede",
        "refused_by": "contracts",
    }
    assert (refused.aggregate_id, refused.causation_id) == ("bundle-mmr", str(event.event_id))
    assert await uow.already_processed("contracts-joint-orders", event.event_id)


async def test_lots_never_exceed_a_nation_line_and_an_allocation_of_capacity_replaces_them() -> None:
    uow = FakeUnitOfWork()
    contract_id = await create_contract_for_joint_order(joint_order(), uow)
    assert contract_id is not None
    due = date(2026, 6, 30)
    await plan(uow, LEAD, contract_id, [PlannedLot("NLD", 6_000, due), PlannedLot("DNK", 5_000, due)], "agreed")
    with pytest.raises(ContractRuleViolation, match="lots for NLD would total 10001, more than its 10000"):
        await plan(uow, LEAD, contract_id, [PlannedLot("NLD", 4_001, due)], "more")
    assert len(uow.lots.found) == 2

    allocated = await allocate(
        uow, LEAD, contract_id, monthly_capacity=6_000, start=date(2026, 1, 15), priority=["DNK"]
    )
    assert [(lot.nation, lot.due_date, lot.quantity) for lot in allocated] == [
        ("DNK", date(2026, 1, 31), 5_000),
        ("NLD", date(2026, 1, 31), 1_000),
        ("NLD", date(2026, 2, 28), 6_000),
        ("NLD", date(2026, 3, 31), 3_000),
    ]
    assert uow.lots.found == allocated


async def test_signed_after_the_standstill_the_joint_order_contract_gets_the_winner_and_its_price() -> None:
    uow = FakeUnitOfWork()
    today = uow.clock.today()
    await create_contract_for_joint_order(joint_order(), uow)
    nammo = Supplier.register(
        organisation="NAMMO", country="NOR", sme=False, controlled_from_non_associated_country=False,
        industrial_base=IndustrialBase.EUROPEAN, security_declaration_valid_until=today + timedelta(days=400),
    )  # fmt: skip
    uow.suppliers.add(nammo)
    procurement = await open_procurement(uow, LEAD, terms=ProcurementTerms(
        item_code="AMMO-155MM", buyer_nation="CZE", nations=[], quantity=15_000, tender_date=today,
        weights=Weights(price=1, delivery=1, origin=1, industrial_participation=1), quality_gates=[],
        funding_instrument=None, standstill_days=10, offers_due=today, bundle_id="bundle-155",
    ))  # fmt: skip
    await submit_offer(
        uow, Principal(subject="nammo", role=Role.INDUSTRY, organisation="NAMMO"), procurement.id, today,
        unit_price_eur=Decimal("3000.00"), first_delivery=today + timedelta(days=90), monthly_rate=1_000,
        origin_country="NOR", eu_component_share=0.9, non_associated_component_share=0.0, local_production={},
        licence_transfer=False, national_supplier_role=False, quality_gates={},
    )  # fmt: skip
    (opened,) = uow.events("contracts.procurement.opened")
    assert (opened.payload.quantity, opened.payload.nation_count, opened.payload.offers_due) == (15_000, 2, today)
    assert "lines" not in opened.payload.model_dump()
    await award(uow, LEAD, procurement.id, today + timedelta(days=1))
    (awarded,) = uow.events("contracts.award.decided")
    assert awarded.organisation == "NAMMO"

    with pytest.raises(ContractRuleViolation, match="standstill period runs until"):
        await sign(uow, LEAD, procurement.id, today + timedelta(days=11))
    await sign(uow, LEAD, procurement.id, today + timedelta(days=12))
    (contract,) = uow.contracts.found
    assert (contract.supplier_id, contract.unit_price_eur) == (nammo.id, Decimal("3000.00"))
    with pytest.raises(Conflict, match="already signed"):
        await sign(uow, LEAD, procurement.id, today + timedelta(days=13))
