"""Contracts and frameworks nearing their end are told at horizons per item category, each
horizon once, by the service's clock: the 2029 ammunition expiry is told from 2024."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bundling_shared.clock import FixedClock
from contracts.config import ContractsSettings
from contracts.domain.contract import Contract
from contracts.domain.errors import ContractRuleViolation
from contracts.domain.expiry import Expiry, Horizons, category_of, years_before
from contracts.domain.frameworks import FrameworkContract
from contracts.domain.suppliers import IndustrialBase, Supplier
from contracts.service_layer.expiry import tell_expiring
from tests.contracts.unit.fakes import FakeUnitOfWork

END = date(2029, 12, 31)  # as the current ammunition contracts
DEFAULT = Horizons()


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


def ammunition_framework(
    end: date = END, item_code: str = "AMMO-155MM", start: date = date(2025, 1, 1)
) -> FrameworkContract:
    return FrameworkContract.create(
        contracting_authority="CZE",
        by="CZE",
        at=at(date(2024, 1, 2)),
        item_code=item_code,
        participants={"CZE": 30_000, "NLD": 20_000, "DNK": 5_000},
        ceiling_quantity=55_000,
        ceiling_value_eur=None,
        start=start,
        end=end,
        suppliers={"s-msm": None},
    )


def joint_order_contract(end: date = END) -> Contract:
    contract = Contract.for_joint_order(
        bundle_id="bundle-vsrat",
        item_code="ATGM-VSRAT",
        contracting_authority="NSPA",
        window_start=date(2026, 1, 1),
        window_end=end,
        quantities={"NLD": 300, "BEL": 120},
        at=at(date(2024, 1, 2)),
    )
    contract.assign_supplier("s-saab", Decimal("25000.00"), by="NSPA", at=at(date(2024, 2, 1)))
    return contract


def supplier(supplier_id: str, organisation: str) -> Supplier:
    return Supplier(supplier_id, organisation, "CZE", False, False, IndustrialBase.EUROPEAN)


def world(day: date) -> tuple[FakeUnitOfWork, FixedClock]:
    clock = FixedClock(at(day))
    uow = FakeUnitOfWork(clock=clock)
    uow.suppliers.add(supplier("s-msm", "MSM-GROUP"))
    uow.suppliers.add(supplier("s-saab", "SAAB"))
    return uow, clock


async def look(uow: FakeUnitOfWork, horizons: Horizons = DEFAULT) -> list[tuple[str, int]]:
    """One look at the agreements by the clock; what it told, as (agreement, horizon)."""
    before = len(uow.events("contracts.contract.expiring"))
    await tell_expiring(uow, horizons, uow.clock.today())
    told = uow.events("contracts.contract.expiring")[before:]
    return [(e.payload.agreement_id, e.payload.horizon_years) for e in told]


def test_an_items_category_is_its_code_up_to_the_first_hyphen() -> None:
    assert [category_of(c) for c in ("AMMO-155MM", "ammo-120mm", "MMR", "PATRIOT-PAC2-GEM")] == [
        "AMMO", "AMMO", "MMR", "PATRIOT",
    ]  # fmt: skip


def test_horizons_are_per_category_with_a_default() -> None:
    horizons = Horizons.of([5, 2, 1], {"ammo": [1, 5, 2, 2], "MMR": [3]})
    assert horizons.for_item("AMMO-155MM") == (5, 2, 1)
    assert horizons.for_item("MMR-SPARES") == (3,)
    assert horizons.for_item("ATGM-VSRAT") == (5, 2, 1)
    assert Horizons.of([1], {"AMMO": [7]}).widest == 7
    with pytest.raises(ContractRuleViolation, match="1 to 50 years"):
        Horizons.of([5, 0], {})
    with pytest.raises(ContractRuleViolation, match="horizons of AMMO"):
        Horizons.of([5], {"AMMO": []})


def test_a_horizon_is_the_same_calendar_day_years_before() -> None:
    assert years_before(END, 5) == date(2024, 12, 31)
    assert years_before(date(2032, 2, 29), 1) == date(2031, 2, 28)
    expiry = Expiry(END, (5, 2, 1))
    assert expiry.reached(date(2024, 12, 30)) == []
    assert expiry.reached(date(2024, 12, 31)) == [5]
    assert expiry.reached(date(2029, 1, 1)) == [5, 2, 1]
    assert expiry.reached(date(2030, 1, 1)) == []  # ended: nothing more to tell


def test_settings_take_horizons_per_category_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTRACTS_EXPIRY_HORIZONS", "[4, 1]")
    monkeypatch.setenv("CONTRACTS_EXPIRY_HORIZONS_BY_CATEGORY", '{"AMMO": [5, 2, 1], "MMR": [3]}')
    horizons = ContractsSettings().horizons()
    assert (horizons.default, horizons.for_item("AMMO-155MM"), horizons.for_item("MMR")) == ((4, 1), (5, 2, 1), (3,))
    monkeypatch.setenv("CONTRACTS_EXPIRY_HORIZONS_BY_CATEGORY", '{"AMMO": [0]}')
    with pytest.raises(ValueError, match="horizons of AMMO"):
        ContractsSettings()


async def test_the_2029_ammunition_expiry_is_told_from_2024_each_horizon_once() -> None:
    uow, clock = world(date(2024, 12, 30))
    framework = ammunition_framework()
    uow.frameworks.add(framework)
    assert await look(uow) == []  # five years and a day ahead: not yet

    clock.advance(timedelta(days=1))  # 2024-12-31, five years ahead
    assert await look(uow) == [(framework.id, 5)]
    (told,) = uow.events("contracts.contract.expiring")
    p = told.payload
    assert (p.kind, p.item_code, p.category, p.end, p.days_left) == ("framework", "AMMO-155MM", "AMMO", END, 1826)
    assert p.nations == ["CZE", "DNK", "NLD"] and p.supplier_organisations == ["MSM-GROUP"]
    assert {(s.nation, s.quantity) for s in p.quantities} == {("CZE", 30_000), ("NLD", 20_000), ("DNK", 5_000)}
    assert (told.aggregate_id, told.organisation) == (framework.id, "CZE")
    assert await look(uow) == []  # told once, however often it is looked at

    clock.advance(timedelta(days=400))
    assert await look(uow) == []
    clock.at = at(date(2027, 12, 31))
    assert await look(uow) == [(framework.id, 2)]
    clock.at = at(date(2028, 12, 31))
    assert await look(uow) == [(framework.id, 1)]
    clock.at = at(date(2029, 12, 31))
    assert await look(uow) == []
    assert sorted(n.horizon_years for n in uow.expiries.found) == [1, 2, 5]


async def test_a_joint_order_contract_is_told_by_the_end_of_its_delivery_window() -> None:
    uow, _ = world(date(2027, 12, 31))
    contract = joint_order_contract()
    uow.contracts.add(contract)
    assert await look(uow) == [(contract.id, 2)]  # the nearest horizon reached; five years passed with it
    (told,) = uow.events("contracts.contract.expiring")
    p = told.payload
    assert (p.kind, p.bundle_id, p.contracting_authority, p.start) == (
        "contract",
        "bundle-vsrat",
        "NSPA",
        date(2026, 1, 1),
    )
    assert p.supplier_organisations == ["SAAB"] and p.nations == ["BEL", "NLD"]
    assert sorted((n.horizon_years, n.announced) for n in uow.expiries.found) == [(2, True), (5, False)]
    assert await look(uow) == []


async def test_each_category_is_told_at_its_own_horizons() -> None:
    uow, clock = world(date(2024, 12, 31))
    ammunition, radar = ammunition_framework(), ammunition_framework(item_code="MMR")
    uow.frameworks.add(ammunition)
    uow.frameworks.add(radar)
    horizons = Horizons.of([3], {"AMMO": [5, 2, 1]})
    assert await look(uow, horizons) == [(ammunition.id, 5)]
    clock.at = at(date(2026, 12, 31))
    assert await look(uow, horizons) == [(radar.id, 3)]


async def test_nothing_is_told_of_what_ended_or_ends_beyond_every_horizon() -> None:
    uow, _ = world(date(2024, 6, 1))
    uow.frameworks.add(ammunition_framework(start=date(2020, 1, 1), end=date(2024, 5, 31)))
    uow.frameworks.add(ammunition_framework(end=date(2040, 1, 1)))
    assert await look(uow) == []
