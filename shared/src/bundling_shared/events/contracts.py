"""Events of the contracts context."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from bundling_shared.events.demand import DeliveryWindow, EurDecimal
from bundling_shared.events.envelope import EventEnvelope, event_union


class ContractLine(BaseModel):
    nation: str
    quantity: int = Field(gt=0)


class ContractCreatedPayload(BaseModel):
    contract_id: str
    bundle_id: str
    item_code: str
    contracting_authority: str = Field(description="Lead nation or agency that signs for all.")
    lines: list[ContractLine]
    total_quantity: int
    delivery_window: DeliveryWindow


class ContractCreatedV1(EventEnvelope[ContractCreatedPayload]):
    TYPE = "contracts.contract.created"
    VERSION = 1
    event_type: Literal["contracts.contract.created"] = "contracts.contract.created"
    schema_version: Literal[1] = 1


# --- Awards, frameworks, call-offs, deliveries (topic contracts.contracts) ------------


class AwardDecidedPayload(BaseModel):
    """The outcome of a weighed award; prices and scores of the losers stay inside."""

    procurement_id: str
    bundle_id: str | None
    item_code: str
    contracting_authority: str
    supplier_id: str
    supplier_organisation: str
    supplier_country: str
    standstill_until: date
    summary: str = Field(description="Why the winner ranked first, in words.")


class AwardDecidedV1(EventEnvelope[AwardDecidedPayload]):
    TYPE = "contracts.award.decided"
    VERSION = 1
    event_type: Literal["contracts.award.decided"] = "contracts.award.decided"
    schema_version: Literal[1] = 1


class FrameworkContractCreatedPayload(BaseModel):
    framework_id: str
    bundle_id: str | None
    item_code: str
    contracting_authority: str
    participants: list[str]
    ceiling_quantity: int
    ceiling_value_eur: float | None = Field(
        description="The value ceiling as a JSON number: kept for consumers of the first release; `ceiling_value` "
        "is the exact amount."
    )
    ceiling_value: EurDecimal | None = Field(
        default=None, description="The value ceiling, where known: EUR with cents as a decimal string."
    )
    start: date
    end: date
    supplier_organisations: list[str] = Field(default_factory=list)


class FrameworkContractCreatedV1(EventEnvelope[FrameworkContractCreatedPayload]):
    TYPE = "contracts.framework.created"
    VERSION = 1
    event_type: Literal["contracts.framework.created"] = "contracts.framework.created"
    schema_version: Literal[1] = 1


class FrameworkAccededPayload(BaseModel):
    """The accession took effect: the nation is a party and may call off."""

    framework_id: str
    nation: str
    quantity: int
    bundle_id: str | None = Field(default=None, description="The bundle the framework came from, if any.")


class FrameworkAccededV1(EventEnvelope[FrameworkAccededPayload]):
    TYPE = "contracts.framework.acceded"
    VERSION = 1
    event_type: Literal["contracts.framework.acceded"] = "contracts.framework.acceded"
    schema_version: Literal[1] = 1


class FrameworkAccessionRefusedPayload(BaseModel):
    """The lead refused a nation's request to accede, or the contracts service could not apply
    it (a rule of the framework refuses it, or the bundle has no framework contract); the
    nation is not a party."""

    framework_id: str = Field(description="Empty when the bundle has no framework contract to accede to.")
    bundle_id: str | None = None
    nation: str
    reason: str
    refused_by: Literal["lead", "contracts"] = Field(
        default="lead", description="Who refused: the framework's lead, or a rule the contracts service applies."
    )


class FrameworkAccessionRefusedV1(EventEnvelope[FrameworkAccessionRefusedPayload]):
    TYPE = "contracts.framework.accession_refused"
    VERSION = 1
    event_type: Literal["contracts.framework.accession_refused"] = "contracts.framework.accession_refused"
    schema_version: Literal[1] = 1


class CallOffPlacedPayload(BaseModel):
    """Restricted to the contracted supplier."""

    framework_id: str
    call_off_id: str
    nation: str
    item_code: str
    quantity: int
    supplier_organisation: str
    delivery_due: date


class CallOffPlacedV1(EventEnvelope[CallOffPlacedPayload]):
    TYPE = "contracts.call_off.placed"
    VERSION = 1
    event_type: Literal["contracts.call_off.placed"] = "contracts.call_off.placed"
    schema_version: Literal[1] = 1


class DeliveryLotChange(BaseModel):
    lot_id: str
    nation: str
    quantity: int
    due_date: date
    previous_due_date: date | None = None


class DeliveryScheduleChangedPayload(BaseModel):
    """Restricted to the contracted supplier."""

    contract_id: str
    supplier_organisation: str
    reason: str
    lots: list[DeliveryLotChange]


class DeliveryScheduleChangedV1(EventEnvelope[DeliveryScheduleChangedPayload]):
    TYPE = "contracts.delivery_schedule.changed"
    VERSION = 1
    event_type: Literal["contracts.delivery_schedule.changed"] = "contracts.delivery_schedule.changed"
    schema_version: Literal[1] = 1


class DeliveryDelayedPayload(BaseModel):
    """A lot past due, or forecast later than due: a delay query to the supplier."""

    contract_id: str
    lot_id: str
    nation: str
    supplier_organisation: str
    due_date: date
    forecast_date: date | None
    quantity_outstanding: int


class DeliveryDelayedV1(EventEnvelope[DeliveryDelayedPayload]):
    TYPE = "contracts.delivery.delayed"
    VERSION = 1
    event_type: Literal["contracts.delivery.delayed"] = "contracts.delivery.delayed"
    schema_version: Literal[1] = 1


class CommitmentRefusedPayload(BaseModel):
    """A committed joint order or framework the contracts service could not contract: a rule
    of the contract refuses what was committed (an unknown nation, a value ceiling beyond what
    the platform keeps, an empty order). The commitment stands in the demand service; the lead
    amends the bundle or takes the case to an administrator."""

    bundle_id: str
    kind: Literal["joint_order", "framework"]
    item_code: str
    lead: str = Field(description="The nation or agency that leads the bundle and is told.")
    nations: list[str] = Field(description="The participating nations as committed.")
    reason: str = Field(description="The rule the commitment breaks, in words.")


class CommitmentRefusedV1(EventEnvelope[CommitmentRefusedPayload]):
    TYPE = "contracts.commitment.refused"
    VERSION = 1
    event_type: Literal["contracts.commitment.refused"] = "contracts.commitment.refused"
    schema_version: Literal[1] = 1


ContractEvent = event_union(
    ContractCreatedV1,
    AwardDecidedV1,
    FrameworkContractCreatedV1,
    FrameworkAccededV1,
    CallOffPlacedV1,
    DeliveryScheduleChangedV1,
    DeliveryDelayedV1,
    FrameworkAccessionRefusedV1,
    CommitmentRefusedV1,
)


# --- Specifications and suppliers (topic contracts.reference) --------------------------


class SpecificationHarmonisedPayload(BaseModel):
    """A specification all participating nations agreed on; it applies equally to
    deliveries for own forces and for Ukraine."""

    specification_id: str
    reference: str = Field(description="Stable reference needs point to, e.g. SPEC-155MM-NATO")
    version: int
    item_code: str
    title: str
    standards: list[str]
    nations: list[str]
    compatible_deviations: list[str] = Field(default_factory=list)
    applies_to_ukraine_deliveries: bool = True


class SpecificationHarmonisedV1(EventEnvelope[SpecificationHarmonisedPayload]):
    TYPE = "contracts.specification.harmonised"
    VERSION = 1
    event_type: Literal["contracts.specification.harmonised"] = "contracts.specification.harmonised"
    schema_version: Literal[1] = 1


class SupplierRegisteredPayload(BaseModel):
    """Whom notifications may tell restricted things: a valid security declaration."""

    supplier_id: str
    organisation: str
    country: str
    sme: bool
    security_declaration_valid_until: date | None


class SupplierRegisteredV1(EventEnvelope[SupplierRegisteredPayload]):
    TYPE = "contracts.supplier.registered"
    VERSION = 1
    event_type: Literal["contracts.supplier.registered"] = "contracts.supplier.registered"
    schema_version: Literal[1] = 1


ReferenceEvent = event_union(SpecificationHarmonisedV1, SupplierRegisteredV1)
