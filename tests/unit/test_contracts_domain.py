from datetime import UTC, date, datetime

import pytest

from contracts.domain.model import Contract, ContractRuleViolation


def contract(quantities: dict[str, int]) -> Contract:
    return Contract.for_joint_order(
        bundle_id="bundle-1",
        item_code="AMMO-155MM",
        contracting_authority="CZE",
        window_start=date(2025, 1, 1),
        window_end=date(2028, 12, 31),
        quantities=quantities,
        at=datetime(2025, 1, 1, tzinfo=UTC),
    )


def test_one_delivery_line_per_nation() -> None:
    c = contract({"NLD": 10_000, "CZE": 25_000})
    assert [(x.nation, x.quantity) for x in c.lines] == [("CZE", 25_000), ("NLD", 10_000)]
    assert c.total_quantity == 35_000


def test_the_lead_and_the_participants_are_concerned_others_not() -> None:
    c = Contract.for_joint_order(
        bundle_id="b",
        item_code="VSRAT",
        contracting_authority="NSPA",
        window_start=date(2025, 1, 1),
        window_end=date(2026, 1, 1),
        quantities={"NLD": 5},
        at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert c.concerns("NSPA") and c.concerns("NLD")
    assert not c.concerns("DEU")


@pytest.mark.parametrize("quantities", [{}, {"NLD": 0}])
def test_a_contract_needs_nations_with_positive_quantities(quantities: dict[str, int]) -> None:
    with pytest.raises(ContractRuleViolation):
        contract(quantities)
