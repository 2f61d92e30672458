"""A contract or call-off as its lots need it (lines, lead, coordinators, supplier, price),
read as plain rows for every read of a schedule or a lot, and who a framework is for, read
so for every read of its call-offs, requests and log: the same facts the aggregates give,
on both databases."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from contracts.domain.deliveries import Agreement
from contracts.domain.frameworks import FrameworkParties
from contracts.service_layer.contracts import create_contract_for_joint_order
from contracts.service_layer.frameworks import accede_to_framework
from tests.contracts.events import accession
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_deliveries_reports import signed_contract
from tests.contracts.integration.test_api_frameworks import DUE, radar_framework
from tests.contracts.integration.test_beneficiaries import cv90_order
from tests.support.api import desk


async def test_a_contract_is_read_with_its_lines_what_goes_to_ukraine_and_its_signed_supplier(api: Api) -> None:
    contract_id, _ = await signed_contract(api)
    unsigned = await create_contract_for_joint_order(cv90_order({"SWE": (60, 0), "FIN": (40, 40)}), api.service.uow())
    assert unsigned is not None
    async with api.service.uow() as uow:
        signed = await uow.contracts.agreement(contract_id)
        cv90 = await uow.contracts.agreement(unsigned)
        contract = await uow.contracts.get(contract_id)
        assert await uow.contracts.agreement("contract-none") is None
    assert contract is not None and contract.supplier_id is not None
    assert signed == Agreement(
        contract_id, "CZE", {"DNK": 5_000, "NLD": 10_000}, contract.supplier_id, "NAMMO",
        item_code="AMMO-155MM", unit_price_eur=contract.unit_price_eur,
    )  # fmt: skip
    assert isinstance(signed.unit_price_eur, Decimal)
    assert cv90 == Agreement(unsigned, "SWE", {"FIN": 40, "SWE": 60}, None, None, ukraine={"FIN": 40}, item_code="CV90")


async def test_a_call_off_is_read_with_its_framework_s_lead_and_coordinators_written_or_just_placed(api: Api) -> None:
    framework_id, thales = await radar_framework(api)
    await accede_to_framework(accession("NOR", 2), api.service.uow())
    await api.call("POST", f"/v1/frameworks/{framework_id}/accessions/NOR/approve", desk("NLD"))
    body = {"item_code": "MMR", "quantity": 2, "delivery_due": DUE}
    placed = await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NOR"), body, 201)
    await api.call("POST", f"/v1/frameworks/{framework_id}/coordinators", desk("NLD"), {"coordinator": "NSPA"})
    async with api.service.uow() as uow:
        framework = await uow.frameworks.for_reading(framework_id)
        written = await uow.frameworks.call_off_agreement(placed["id"])
        call_off = await uow.frameworks.call_off(placed["id"])
        assert framework is not None and call_off is not None
        uow.frameworks.add_call_off(dataclasses.replace(call_off, id="co-in-this-transaction", nation="NLD"))
        in_this_transaction = await uow.frameworks.call_off_agreement("co-in-this-transaction")
        assert await uow.frameworks.call_off_agreement("co-none") is None
    async with api.service.uow() as uow:
        parties = await uow.frameworks.parties(framework_id)
        assert await uow.frameworks.parties("fw-none") is None
    assert parties == FrameworkParties(
        framework.contracting_authority, list(framework.participants), ["NSPA"], [thales]
    )
    assert "NOR" in parties.participants and framework.coordinators == ["NSPA"]  # acceded, assigned
    expected = Agreement(
        placed["id"], framework.contracting_authority, {"NOR": 2}, thales, "THALES-NL",
        tuple(framework.coordinators), item_code="MMR", unit_price_eur=Decimal("25000000.00"),
        framework_id=framework_id,
    )  # fmt: skip
    assert written == expected
    assert in_this_transaction == dataclasses.replace(expected, id="co-in-this-transaction", quantities={"NLD": 2})
