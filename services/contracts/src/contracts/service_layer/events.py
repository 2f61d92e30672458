"""The events the contracts service stages in its outbox, built from the domain.

Reference data (harmonised specifications, registered suppliers) goes to
`contracts.reference`, where every service keeps its copy; everything else happens to a
contract, a procurement or a framework and goes to `contracts.contracts`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from bundling_shared import topics
from bundling_shared.events.contracts import (
    AwardDecidedPayload,
    AwardDecidedV1,
    CallOffPlacedPayload,
    CallOffPlacedV1,
    CommitmentRefusedPayload,
    CommitmentRefusedV1,
    ContractCreatedPayload,
    ContractCreatedV1,
    ContractLine,
    DeliveryDelayedPayload,
    DeliveryDelayedV1,
    DeliveryLotChange,
    DeliveryScheduleChangedPayload,
    DeliveryScheduleChangedV1,
    FrameworkAccededPayload,
    FrameworkAccededV1,
    FrameworkAccessionRefusedPayload,
    FrameworkAccessionRefusedV1,
    FrameworkContractCreatedPayload,
    FrameworkContractCreatedV1,
    SpecificationHarmonisedPayload,
    SpecificationHarmonisedV1,
    SupplierRegisteredPayload,
    SupplierRegisteredV1,
)
from bundling_shared.events.demand import DeliveryWindow
from bundling_shared.events.envelope import EventEnvelope
from contracts.domain.contract import CommitmentRefusal, Contract
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.procurement import Procurement
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier
from contracts.domain.weighing import NATIONS
from contracts.service_layer.unit_of_work import UnitOfWork

PRODUCER = "contracts"

REFERENCE_DATA: frozenset[type[EventEnvelope[Any]]] = frozenset({SpecificationHarmonisedV1, SupplierRegisteredV1})


async def _emit(
    uow: UnitOfWork,
    event: type[EventEnvelope[Any]],
    payload: BaseModel,
    *,
    aggregate_id: str,
    nation: str | None = None,
    organisation: str | None = None,
    causation_id: str | None = None,
) -> None:
    topic = topics.REFERENCE if event in REFERENCE_DATA else topics.CONTRACTS
    await uow.emit(
        topic,
        event.create(
            payload,
            aggregate_id=aggregate_id,
            producer=PRODUCER,
            nation=nation,
            organisation=organisation,
            causation_id=causation_id,
        ),
    )


async def contract_created(uow: UnitOfWork, contract: Contract, causation_id: str) -> None:
    payload = ContractCreatedPayload(
        contract_id=contract.id,
        bundle_id=contract.bundle_id,
        item_code=contract.item_code,
        contracting_authority=contract.contracting_authority,
        lines=[ContractLine(nation=x.nation, quantity=x.quantity) for x in contract.lines],
        total_quantity=contract.total_quantity,
        delivery_window=DeliveryWindow(start=contract.window_start, end=contract.window_end),
    )
    await _emit(
        uow,
        ContractCreatedV1,
        payload,
        aggregate_id=contract.id,
        organisation=contract.contracting_authority,
        causation_id=causation_id,
    )


async def supplier_registered(uow: UnitOfWork, supplier: Supplier) -> None:
    payload = SupplierRegisteredPayload(
        supplier_id=supplier.id,
        organisation=supplier.organisation,
        country=supplier.country,
        sme=supplier.sme,
        security_declaration_valid_until=supplier.security_declaration_valid_until,
    )
    await _emit(uow, SupplierRegisteredV1, payload, aggregate_id=supplier.id, organisation=supplier.organisation)


async def specification_harmonised(uow: UnitOfWork, spec: Specification) -> None:
    payload = SpecificationHarmonisedPayload(
        specification_id=spec.id,
        reference=spec.reference,
        version=spec.version,
        item_code=spec.item_code,
        title=spec.title,
        standards=spec.standards,
        nations=spec.nations,
        compatible_deviations=spec.compatible_deviations,
        applies_to_ukraine_deliveries=True,
    )
    await _emit(uow, SpecificationHarmonisedV1, payload, aggregate_id=spec.reference)


async def award_decided(uow: UnitOfWork, procurement: Procurement, winner: Supplier, summary: str) -> None:
    assert procurement.standstill_until is not None
    payload = AwardDecidedPayload(
        procurement_id=procurement.id,
        bundle_id=procurement.bundle_id,
        item_code=procurement.item_code,
        contracting_authority=procurement.contracting_authority,
        supplier_id=winner.id,
        supplier_organisation=winner.organisation,
        supplier_country=winner.country,
        standstill_until=procurement.standstill_until,
        summary=summary,
    )
    await _emit(uow, AwardDecidedV1, payload, aggregate_id=procurement.id, organisation=winner.organisation)


async def framework_created(
    uow: UnitOfWork, framework: FrameworkContract, suppliers: dict[str, Supplier], causation_id: str | None = None
) -> None:
    payload = FrameworkContractCreatedPayload(
        framework_id=framework.id,
        bundle_id=framework.bundle_id,
        item_code=framework.item_code,
        contracting_authority=framework.contracting_authority,
        participants=framework.nations,
        ceiling_quantity=framework.ceiling_quantity,
        ceiling_value_eur=None if framework.ceiling_value_eur is None else float(framework.ceiling_value_eur),
        ceiling_value=framework.ceiling_value_eur,
        start=framework.start,
        end=framework.end,
        supplier_organisations=sorted(s.organisation for s in suppliers.values()),
    )
    await _emit(
        uow,
        FrameworkContractCreatedV1,
        payload,
        aggregate_id=framework.id,
        organisation=framework.contracting_authority,
        causation_id=causation_id,
    )


async def framework_acceded(
    uow: UnitOfWork, framework: FrameworkContract, nation: str, quantity: int, causation_id: str | None = None
) -> None:
    payload = FrameworkAccededPayload(
        framework_id=framework.id, nation=nation, quantity=quantity, bundle_id=framework.bundle_id
    )
    await _emit(uow, FrameworkAccededV1, payload, aggregate_id=framework.id, nation=nation, causation_id=causation_id)


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
        aggregate_id=framework.id if framework else str(bundle_id),
        nation=nation,
        causation_id=causation_id,
    )


async def commitment_refused(uow: UnitOfWork, refusal: CommitmentRefusal, causation_id: str) -> None:
    lead_is_nation = refusal.lead in NATIONS
    payload = CommitmentRefusedPayload(
        bundle_id=refusal.bundle_id,
        kind=refusal.kind.value,
        item_code=refusal.item_code,
        lead=refusal.lead,
        nations=refusal.nations,
        reason=refusal.reason,
    )
    await _emit(
        uow,
        CommitmentRefusedV1,
        payload,
        aggregate_id=refusal.bundle_id,
        nation=refusal.lead if lead_is_nation else None,
        organisation=None if lead_is_nation else refusal.lead,
        causation_id=causation_id,
    )


async def call_off_placed(uow: UnitOfWork, call_off: CallOff, supplier: Supplier) -> None:
    payload = CallOffPlacedPayload(
        framework_id=call_off.framework_id,
        call_off_id=call_off.id,
        nation=call_off.nation,
        item_code=call_off.item_code,
        quantity=call_off.quantity,
        supplier_organisation=supplier.organisation,
        delivery_due=call_off.delivery_due,
    )
    await _emit(
        uow,
        CallOffPlacedV1,
        payload,
        aggregate_id=call_off.framework_id,
        nation=call_off.nation,
        organisation=supplier.organisation,
    )


async def schedule_changed(
    uow: UnitOfWork,
    contract_id: str,
    supplier_organisation: str,
    reason: str,
    lots: list[tuple[DeliveryLot, date | None]],
) -> None:
    """`lots`: each changed lot with its previous due date where it moved."""
    payload = DeliveryScheduleChangedPayload(
        contract_id=contract_id,
        supplier_organisation=supplier_organisation,
        reason=reason,
        lots=[
            DeliveryLotChange(
                lot_id=lot.id,
                nation=lot.nation,
                quantity=lot.quantity,
                due_date=lot.due_date,
                previous_due_date=previous,
            )
            for lot, previous in lots
        ],
    )
    await _emit(uow, DeliveryScheduleChangedV1, payload, aggregate_id=contract_id, organisation=supplier_organisation)


async def delivery_delayed(uow: UnitOfWork, lot: DeliveryLot, supplier_organisation: str) -> None:
    payload = DeliveryDelayedPayload(
        contract_id=lot.contract_id,
        lot_id=lot.id,
        nation=lot.nation,
        supplier_organisation=supplier_organisation,
        due_date=lot.due_date,
        forecast_date=lot.forecast_date,
        quantity_outstanding=lot.outstanding,
    )
    await _emit(
        uow,
        DeliveryDelayedV1,
        payload,
        aggregate_id=lot.contract_id,
        nation=lot.nation,
        organisation=supplier_organisation,
    )
