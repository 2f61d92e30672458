"""The events the contracts service stages in its outbox, built from the domain.

Reference data (harmonised specifications, registered suppliers) goes to
`contracts.reference`, where every service keeps its copy; everything else happens to a
contract, a procurement or a framework and goes to `contracts.contracts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypedDict, Unpack

from pydantic import BaseModel

from bundling_shared import topics
from bundling_shared.copying import copied
from bundling_shared.events.contracts import (
    AwardDecidedPayload,
    AwardDecidedV1,
    CallOffPlacedPayload,
    CallOffPlacedV1,
    CommitmentRefusedPayload,
    CommitmentRefusedV1,
    ContractCreatedPayload,
    ContractCreatedV1,
    ContractExpiringPayload,
    ContractExpiringV1,
    ContractLine,
    ContractSignedPayload,
    ContractSignedV1,
    DeliveryDelayedPayload,
    DeliveryDelayedV1,
    DeliveryLotChange,
    DeliveryScheduleChangedPayload,
    DeliveryScheduleChangedV1,
    ExpiringShare,
    FrameworkAccededPayload,
    FrameworkAccededV1,
    FrameworkAccessionRefusedPayload,
    FrameworkAccessionRefusedV1,
    FrameworkContractCreatedPayload,
    FrameworkContractCreatedV1,
    MaterialRiskPayload,
    ProcurementOpenedPayload,
    ProcurementOpenedV1,
    ProductionLineDeclaredPayload,
    ProductionLineDeclaredV1,
    RateStepPayload,
    SpecificationHarmonisedPayload,
    SpecificationHarmonisedV1,
    SupplierRegisteredPayload,
    SupplierRegisteredV1,
    YearCapacityPayload,
)
from bundling_shared.events.demand import DeliveryWindow
from bundling_shared.events.envelope import EventEnvelope
from contracts.domain.contract import CommitmentRefusal, Contract
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.expiry import Agreement, Due, category_of
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.materials import dependences
from contracts.domain.procurement import Procurement
from contracts.domain.production import ProductionLine
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier
from contracts.domain.weighing import NATIONS
from contracts.service_layer.unit_of_work import UnitOfWork

PRODUCER = "contracts"

REFERENCE_DATA: frozenset[type[EventEnvelope[Any]]] = frozenset(
    {SpecificationHarmonisedV1, SupplierRegisteredV1, ProductionLineDeclaredV1}
)


class _Concerns(TypedDict, total=False):
    """Whom an event concerns besides its aggregate (a nation, an agency or a company), and
    what caused it: consumers pick what is theirs by these without reading the payload."""

    nation: str | None
    organisation: str | None
    causation_id: str | None


async def _emit(
    uow: UnitOfWork,
    event: type[EventEnvelope[Any]],
    payload: BaseModel,
    aggregate_id: str,
    **concerns: Unpack[_Concerns],
) -> None:
    topic = topics.REFERENCE if event in REFERENCE_DATA else topics.CONTRACTS
    await uow.emit(topic, event.create(payload, aggregate_id=aggregate_id, producer=PRODUCER, **concerns))


async def contract_created(uow: UnitOfWork, contract: Contract, causation_id: str) -> None:
    payload = copied(
        ContractCreatedPayload,
        contract,
        contract_id=contract.id,
        lines=[
            ContractLine(nation=x.nation, quantity=x.quantity, ukraine_quantity=x.ukraine_quantity)
            for x in contract.lines
        ],
        delivery_window=DeliveryWindow(start=contract.window_start, end=contract.window_end),
    )
    await _emit(
        uow,
        ContractCreatedV1,
        payload,
        contract.id,
        organisation=contract.contracting_authority,
        causation_id=causation_id,
    )


async def supplier_registered(uow: UnitOfWork, supplier: Supplier) -> None:
    payload = copied(SupplierRegisteredPayload, supplier, supplier_id=supplier.id)
    await _emit(uow, SupplierRegisteredV1, payload, supplier.id, organisation=supplier.organisation)


async def _material_risks(uow: UnitOfWork, names: list[str]) -> list[MaterialRiskPayload]:
    """The named materials with their risk, so that a consumer tells a high risk without
    asking this service."""
    known = await uow.materials.named(set(names))
    return [
        MaterialRiskPayload(name=d.name, category=d.category, risk=d.risk, flagged=d.flagged)
        for d in dependences(names, known)
    ]


async def production_line_declared(uow: UnitOfWork, line: ProductionLine) -> None:
    """Declared or revised: keyed by the line, so that its revisions stay in order; the
    demand service sets it beside the item's demand."""
    payload = copied(
        ProductionLineDeclaredPayload,
        line,
        line_id=line.id,
        rates=[RateStepPayload(month=r.month, units_per_month=r.units_per_month) for r in line.rates],
        capacity_by_year=[YearCapacityPayload(year=y.year, quantity=y.quantity) for y in line.capacity_by_years()],
        material_risks=await _material_risks(uow, line.inputs),
    )
    await _emit(uow, ProductionLineDeclaredV1, payload, line.id, organisation=line.organisation)


async def specification_harmonised(uow: UnitOfWork, spec: Specification) -> None:
    payload = copied(
        SpecificationHarmonisedPayload,
        spec,
        specification_id=spec.id,
        applies_to_ukraine_deliveries=True,
        material_risks=await _material_risks(uow, spec.critical_materials),
    )
    await _emit(uow, SpecificationHarmonisedV1, payload, spec.reference)


async def contract_signed(
    uow: UnitOfWork, procurement: Procurement, winner: Supplier, *, unit_price_eur: Decimal | None
) -> None:
    """The order's contracts are signed: the demand service takes the supplier's SME flag
    as the order's SME share, and the awarded unit price as what the order is worth."""
    assert procurement.bundle_id is not None
    payload = ContractSignedPayload(
        procurement_id=procurement.id,
        bundle_id=procurement.bundle_id,
        supplier_id=winner.id,
        supplier_organisation=winner.organisation,
        supplier_sme=winner.sme,
        unit_price_eur=unit_price_eur,
    )
    await _emit(uow, ContractSignedV1, payload, procurement.bundle_id, organisation=winner.organisation)


async def procurement_opened(uow: UnitOfWork, procurement: Procurement) -> None:
    """The tender notice: the nations counted, not named, and no nation's quantity."""
    window = procurement.delivery_window
    payload = copied(
        ProcurementOpenedPayload,
        procurement,
        procurement_id=procurement.id,
        nation_count=len(procurement.nations),
        delivery_window=DeliveryWindow(start=window[0], end=window[1]) if window else None,
        weights=procurement.weights.as_dict(),
    )
    await _emit(uow, ProcurementOpenedV1, payload, procurement.id, organisation=procurement.contracting_authority)


async def award_decided(uow: UnitOfWork, procurement: Procurement, winner: Supplier, summary: str) -> None:
    assert procurement.standstill_until is not None
    payload = copied(
        AwardDecidedPayload,
        procurement,
        procurement_id=procurement.id,
        supplier_id=winner.id,
        supplier_organisation=winner.organisation,
        supplier_country=winner.country,
        summary=summary,
    )
    await _emit(uow, AwardDecidedV1, payload, procurement.id, organisation=winner.organisation)


async def framework_created(
    uow: UnitOfWork, framework: FrameworkContract, suppliers: dict[str, Supplier], causation_id: str | None = None
) -> None:
    ceiling = framework.ceiling_value_eur
    payload = copied(
        FrameworkContractCreatedPayload,
        framework,
        framework_id=framework.id,
        participants=framework.nations,
        ceiling_value_eur=None if ceiling is None else float(ceiling),
        ceiling_value=ceiling,
        supplier_organisations=sorted(s.organisation for s in suppliers.values()),
    )
    await _emit(
        uow,
        FrameworkContractCreatedV1,
        payload,
        framework.id,
        organisation=framework.contracting_authority,
        causation_id=causation_id,
    )


async def framework_acceded(
    uow: UnitOfWork, framework: FrameworkContract, nation: str, quantity: int, causation_id: str | None = None
) -> None:
    payload = FrameworkAccededPayload(
        framework_id=framework.id, nation=nation, quantity=quantity, bundle_id=framework.bundle_id
    )
    await _emit(uow, FrameworkAccededV1, payload, framework.id, nation=nation, causation_id=causation_id)


async def accession_refused(
    uow: UnitOfWork,
    framework: FrameworkContract | None,
    nation: str,
    reason: str,
    *,
    bundle_id: str | None = None,
    refused_by: Literal["lead", "contracts"] = "lead",
    causation_id: str | None = None,
) -> None:
    """The lead refused, or a rule of the framework did, or the bundle (`bundle_id`) has no
    framework to accede to: the nation hears that it is not a party rather than nothing."""
    payload = FrameworkAccessionRefusedPayload(
        framework_id=framework.id if framework else "",
        bundle_id=framework.bundle_id if framework else bundle_id,
        nation=nation,
        reason=reason,
        refused_by=refused_by,
    )
    await _emit(
        uow,
        FrameworkAccessionRefusedV1,
        payload,
        framework.id if framework else str(bundle_id),
        nation=nation,
        causation_id=causation_id,
    )


async def commitment_refused(uow: UnitOfWork, refusal: CommitmentRefusal, causation_id: str) -> None:
    lead_is_nation = refusal.lead in NATIONS
    payload = copied(CommitmentRefusedPayload, refusal)
    await _emit(
        uow,
        CommitmentRefusedV1,
        payload,
        refusal.bundle_id,
        nation=refusal.lead if lead_is_nation else None,
        organisation=None if lead_is_nation else refusal.lead,
        causation_id=causation_id,
    )


async def call_off_placed(uow: UnitOfWork, call_off: CallOff, supplier: Supplier) -> None:
    payload = copied(
        CallOffPlacedPayload, call_off, call_off_id=call_off.id, supplier_organisation=supplier.organisation
    )
    await _emit(
        uow,
        CallOffPlacedV1,
        payload,
        call_off.framework_id,
        nation=call_off.nation,
        organisation=supplier.organisation,
    )


async def schedule_changed(
    uow: UnitOfWork,
    contract_id: str,
    supplier_organisation: str,
    reason: str,
    lots: Sequence[tuple[DeliveryLot, date | None]],
) -> None:
    """`lots`: each changed lot with its previous due date where it moved."""
    payload = DeliveryScheduleChangedPayload(
        contract_id=contract_id,
        supplier_organisation=supplier_organisation,
        reason=reason,
        lots=[copied(DeliveryLotChange, lot, lot_id=lot.id, previous_due_date=previous) for lot, previous in lots],
    )
    await _emit(uow, DeliveryScheduleChangedV1, payload, contract_id, organisation=supplier_organisation)


async def delivery_delayed(uow: UnitOfWork, lot: DeliveryLot, supplier_organisation: str) -> None:
    payload = copied(
        DeliveryDelayedPayload,
        lot,
        lot_id=lot.id,
        supplier_organisation=supplier_organisation,
        quantity_outstanding=lot.outstanding,
    )
    await _emit(
        uow,
        DeliveryDelayedV1,
        payload,
        lot.contract_id,
        nation=lot.nation,
        organisation=supplier_organisation,
    )


async def contract_expiring(uow: UnitOfWork, agreement: Agreement, due: Due, supplier_organisations: list[str]) -> None:
    payload = ContractExpiringPayload(
        kind="framework" if agreement.kind == "framework" else "contract",
        agreement_id=agreement.id,
        bundle_id=agreement.bundle_id,
        item_code=agreement.item_code,
        category=category_of(agreement.item_code),
        contracting_authority=agreement.contracting_authority,
        start=agreement.start,
        end=agreement.end,
        horizon_years=due.horizon,
        days_left=due.days_left,
        nations=sorted(agreement.quantities),
        quantities=[ExpiringShare(nation=n, quantity=q) for n, q in sorted(agreement.quantities.items())],
        supplier_organisations=supplier_organisations,
    )
    await _emit(uow, ContractExpiringV1, payload, agreement.id, organisation=agreement.contracting_authority)
