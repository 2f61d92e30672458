"""The events the contracts service stages in its outbox, built from the domain."""

from __future__ import annotations

from datetime import date

from bundling_shared import topics
from bundling_shared.events.contracts import (
    AwardDecidedPayload,
    AwardDecidedV1,
    CallOffPlacedPayload,
    CallOffPlacedV1,
    CommitmentRefusedPayload,
    CommitmentRefusedV1,
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
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.model import CommitmentRefusal
from contracts.domain.procurement import Procurement
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier
from contracts.domain.weighing import NATIONS
from contracts.service_layer.unit_of_work import UnitOfWork

PRODUCER = "contracts"


async def supplier_registered(uow: UnitOfWork, supplier: Supplier) -> None:
    await uow.emit(
        topics.REFERENCE,
        SupplierRegisteredV1.create(
            SupplierRegisteredPayload(
                supplier_id=supplier.id,
                organisation=supplier.organisation,
                country=supplier.country,
                sme=supplier.sme,
                security_declaration_valid_until=supplier.security_declaration_valid_until,
            ),
            aggregate_id=supplier.id,
            producer=PRODUCER,
            organisation=supplier.organisation,
        ),
    )


async def specification_harmonised(uow: UnitOfWork, spec: Specification) -> None:
    await uow.emit(
        topics.REFERENCE,
        SpecificationHarmonisedV1.create(
            SpecificationHarmonisedPayload(
                specification_id=spec.id,
                reference=spec.reference,
                version=spec.version,
                item_code=spec.item_code,
                title=spec.title,
                standards=spec.standards,
                nations=spec.nations,
                compatible_deviations=spec.compatible_deviations,
                applies_to_ukraine_deliveries=True,
            ),
            aggregate_id=spec.reference,
            producer=PRODUCER,
        ),
    )


async def award_decided(uow: UnitOfWork, procurement: Procurement, winner: Supplier, summary: str) -> None:
    assert procurement.standstill_until is not None
    await uow.emit(
        topics.CONTRACTS,
        AwardDecidedV1.create(
            AwardDecidedPayload(
                procurement_id=procurement.id,
                bundle_id=procurement.bundle_id,
                item_code=procurement.item_code,
                contracting_authority=procurement.contracting_authority,
                supplier_id=winner.id,
                supplier_organisation=winner.organisation,
                supplier_country=winner.country,
                standstill_until=procurement.standstill_until,
                summary=summary,
            ),
            aggregate_id=procurement.id,
            producer=PRODUCER,
            organisation=winner.organisation,
        ),
    )


async def framework_created(
    uow: UnitOfWork, framework: FrameworkContract, suppliers: dict[str, Supplier], causation_id: str | None = None
) -> None:
    await uow.emit(
        topics.CONTRACTS,
        FrameworkContractCreatedV1.create(
            FrameworkContractCreatedPayload(
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
            ),
            aggregate_id=framework.id,
            producer=PRODUCER,
            organisation=framework.contracting_authority,
            causation_id=causation_id,
        ),
    )


async def framework_acceded(
    uow: UnitOfWork, framework: FrameworkContract, nation: str, quantity: int, causation_id: str | None = None
) -> None:
    await uow.emit(
        topics.CONTRACTS,
        FrameworkAccededV1.create(
            FrameworkAccededPayload(
                framework_id=framework.id, nation=nation, quantity=quantity, bundle_id=framework.bundle_id
            ),
            aggregate_id=framework.id,
            producer=PRODUCER,
            nation=nation,
            causation_id=causation_id,
        ),
    )


async def accession_refused(uow: UnitOfWork, framework: FrameworkContract, nation: str, reason: str) -> None:
    await uow.emit(
        topics.CONTRACTS,
        FrameworkAccessionRefusedV1.create(
            FrameworkAccessionRefusedPayload(
                framework_id=framework.id, bundle_id=framework.bundle_id, nation=nation, reason=reason
            ),
            aggregate_id=framework.id,
            producer=PRODUCER,
            nation=nation,
        ),
    )


async def accession_not_applied(
    uow: UnitOfWork, framework: FrameworkContract | None, bundle_id: str, nation: str, reason: str, causation_id: str
) -> None:
    """An accession a rule refuses, or to a bundle without a framework: the nation hears it
    is not a party, as when the lead refuses, rather than nothing at all."""
    await uow.emit(
        topics.CONTRACTS,
        FrameworkAccessionRefusedV1.create(
            FrameworkAccessionRefusedPayload(
                framework_id=framework.id if framework else "",
                bundle_id=bundle_id,
                nation=nation,
                reason=reason,
                refused_by="contracts",
            ),
            aggregate_id=framework.id if framework else bundle_id,
            producer=PRODUCER,
            nation=nation,
            causation_id=causation_id,
        ),
    )


async def commitment_refused(uow: UnitOfWork, refusal: CommitmentRefusal, causation_id: str) -> None:
    lead_is_nation = refusal.lead in NATIONS
    await uow.emit(
        topics.CONTRACTS,
        CommitmentRefusedV1.create(
            CommitmentRefusedPayload(
                bundle_id=refusal.bundle_id,
                kind=refusal.kind.value,
                item_code=refusal.item_code,
                lead=refusal.lead,
                nations=refusal.nations,
                reason=refusal.reason,
            ),
            aggregate_id=refusal.bundle_id,
            producer=PRODUCER,
            nation=refusal.lead if lead_is_nation else None,
            organisation=None if lead_is_nation else refusal.lead,
            causation_id=causation_id,
        ),
    )


async def call_off_placed(uow: UnitOfWork, call_off: CallOff, supplier: Supplier) -> None:
    await uow.emit(
        topics.CONTRACTS,
        CallOffPlacedV1.create(
            CallOffPlacedPayload(
                framework_id=call_off.framework_id,
                call_off_id=call_off.id,
                nation=call_off.nation,
                item_code=call_off.item_code,
                quantity=call_off.quantity,
                supplier_organisation=supplier.organisation,
                delivery_due=call_off.delivery_due,
            ),
            aggregate_id=call_off.framework_id,
            producer=PRODUCER,
            nation=call_off.nation,
            organisation=supplier.organisation,
        ),
    )


async def schedule_changed(
    uow: UnitOfWork,
    contract_id: str,
    supplier_organisation: str,
    reason: str,
    lots: list[tuple[DeliveryLot, date | None]],
) -> None:
    """`lots`: each changed lot with its previous due date where it moved."""
    await uow.emit(
        topics.CONTRACTS,
        DeliveryScheduleChangedV1.create(
            DeliveryScheduleChangedPayload(
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
            ),
            aggregate_id=contract_id,
            producer=PRODUCER,
            organisation=supplier_organisation,
        ),
    )


async def delivery_delayed(uow: UnitOfWork, lot: DeliveryLot, supplier_organisation: str) -> None:
    await uow.emit(
        topics.CONTRACTS,
        DeliveryDelayedV1.create(
            DeliveryDelayedPayload(
                contract_id=lot.contract_id,
                lot_id=lot.id,
                nation=lot.nation,
                supplier_organisation=supplier_organisation,
                due_date=lot.due_date,
                forecast_date=lot.forecast_date,
                quantity_outstanding=lot.outstanding,
            ),
            aggregate_id=lot.contract_id,
            producer=PRODUCER,
            nation=lot.nation,
            organisation=supplier_organisation,
        ),
    )
